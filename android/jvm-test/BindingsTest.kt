// JVM test of the generated Kotlin bindings (scripts/jvm-bindings-test.sh).
// An NfcLink implemented in Kotlin, over the Rust virtual card, drives the
// exported functions through JNA and the real uniffi scaffolding, against a
// real shiori-server the script started: what the Android app does, minus
// the phone.
//
//   args: <test-vectors/cards directory> <server origin>
import uniffi.shiori_ffi.*

class KotlinLink(private val card: VirtualCardLink) : NfcLink {
    var commands = 0
    var pinsSent = 0
    var failWith: Exception? = null
    /** After this many answered commands the tag "leaves the field". */
    var loseAfter: Int? = null

    override fun transmit(command: ByteArray): ByteArray {
        failWith?.let { throw it }
        loseAfter?.let { if (commands >= it) throw LinkException.TagLost("Tag was lost.") }
        commands++
        if (command.size > 4 && command[1] == 0x20.toByte()) pinsSent++
        return card.transmit(command)
    }

    override fun capabilities(): LinkCapabilities = card.capabilities()
}

var failures = 0

fun check(cond: Boolean, what: String) {
    if (cond) println("ok   $what") else { println("FAIL $what"); failures++ }
}

/** Runs [block], which must throw [T]; checks [test] on it. */
inline fun <reified T : Throwable> expect(what: String, block: () -> Unit, test: (T) -> Boolean) {
    try {
        block()
        check(false, "$what: no exception")
    } catch (e: Throwable) {
        if (e is T) check(test(e), "$what ($e)") else check(false, "$what: got $e")
    }
}

fun main(args: Array<String>) {
    val cards = args[0]
    val origin = args[1]
    fun link(
        card: String = "tanaka-hanako",
        extended: Boolean = true,
        signingTries: UByte? = null,
        authTries: UByte? = null,
    ) = KotlinLink(VirtualCardLink.load("$cards/$card.json", extended, signingTries, authTries))

    cardSide(::link)
    registrationAndLogin(origin, ::link)

    if (failures > 0) {
        println("$failures check(s) failed")
        kotlin.system.exitProcess(1)
    }
    println("all checks passed")
}

fun cardSide(link: (String, Boolean, UByte?, UByte?) -> KotlinLink) {
    val l1 = link("tanaka-hanako", true, null, null)
    val status = cardStatus(l1)
    check(status.cardType == CardType.MY_NUMBER_CARD, "card type")
    check(status.signingCertificate && status.authCertificate, "both certificates")
    check(status.authPin == PinState.TriesLeft(3u, 3u), "auth PIN 3/3: ${status.authPin}")
    check(status.signingPassword == PinState.TriesLeft(5u, 5u), "signing 5/5: ${status.signingPassword}")
    check(l1.pinsSent == 0, "status sends no PIN")

    for (extended in listOf(true, false)) {
        val l = link("tanaka-hanako", extended, null, null)
        val facts = readBasicFacts(l, "hanako1990", false)
        check(facts.name == "田中\u3000花子", "name (extended=$extended)")
        check(facts.address == "東京都杉並区阿佐谷南九丁目９番９９号", "address")
        check(facts.birthDate == "1990-01-02" && facts.birthDateRaw == "419900102", "birth date")
        check(facts.gender == Gender.FEMALE, "gender")
        check(facts.signingSerialHex == "55A8AE07", "serial")
        check(l.pinsSent == 1, "one PIN sent")
    }

    val l2 = link("tanaka-hanako", true, null, null)
    expect<CardException.WrongPin>("wrong password", { readBasicFacts(l2, "WRONG123", false) }) { e ->
        e.pin == PinKind.SIGNING_PASSWORD && e.triesLeft == 4.toUByte() &&
            !e.reason.contains("WRONG123") && e.reasonJa.contains("残り4回")
    }

    val l3 = link("tanaka-hanako", true, 1u, null)
    expect<CardException.LastTryRefused>("last signing try refused", { readBasicFacts(l3, "HANAKO1990", false) }) {
        l3.pinsSent == 0
    }
    check(readBasicFacts(link("tanaka-hanako", true, 1u, null), "HANAKO1990", true).surname == "田中", "last try allowed")

    // A Kotlin exception thrown in transmit reaches Rust as a typed error.
    val l4 = link("tanaka-hanako", true, null, null)
    l4.failWith = LinkException.TagLost("Tag was lost.")
    expect<CardException.CardLost>("TagLost -> CardLost", { cardStatus(l4) }) { it.reason.contains("Tag was lost.") }
    val l5 = link("tanaka-hanako", true, null, null)
    l5.failWith = IllegalStateException("boom")
    expect<CardException.Card>("unexpected Kotlin exception", { cardStatus(l5) }) {
        it.code == "reader_error" && it.reason.contains("boom") && !it.reason.contains("\n")
    }

    val png = libraryCardBarcodePng("A0290253031A", 2u)
    check(png.size > 8 && png[1] == 'P'.code.toByte(), "barcode PNG")
}

fun registrationAndLogin(origin: String, link: (String, Boolean, UByte?, UByte?) -> KotlinLink) {
    // Registration in the app's three steps: challenge, one tap with both
    // secrets typed up front (facts shown to the resident), send with the
    // resident's details.
    val server = LibraryServer(origin)
    check(!server.isLoggedIn(), "no session before registering")

    // A mistyped PIN stops the tap before the card hears anything, so the
    // right password is not spent either.
    val typo = link("tanaka-hanako", true, null, null)
    expect<CardException.PinFormat>("malformed auth PIN", {
        registrationTap(typo, server.registrationChallenge(), "HANAKO1990", "12a4", false)
    }) { it.pin == PinKind.AUTH_PIN && it.code == "auth_pin_format" && typo.commands == 0 && !it.reason.contains("12a4") }
    // The PIN's last try is guarded in a registration too: nothing is sent.
    val pinOneLeft = link("tanaka-hanako", true, null, 1u)
    expect<CardException.LastTryRefused>("last auth try refused at registration", {
        registrationTap(pinOneLeft, server.registrationChallenge(), "HANAKO1990", "1234", false)
    }) { it.pin == PinKind.AUTH_PIN && pinOneLeft.pinsSent == 0 }

    val challenge = server.registrationChallenge()
    check(challenge.origin() == origin, "challenge bound to the server origin")
    val tapLink = link("tanaka-hanako", false, null, null)
    val proof = registrationTap(tapLink, challenge, "hanako1990", "1234", false)
    val facts = proof.facts()
    check(facts.name == "田中\u3000花子" && facts.gender == Gender.FEMALE, "facts from the registration tap")
    check(
        proof.apdus().toInt() == tapLink.commands && tapLink.pinsSent == 2,
        "tap: ${proof.apdus()} APDUs, both secrets sent (password and PIN): ${tapLink.pinsSent}",
    )
    val details = RegistrationDetails("hanako@example.jp", "タナカ ハナコ", null, "central")
    val signedIn = server.register(proof, details)
    check(signedIn.created, "a new patron")
    check(signedIn.patron.name == facts.name && signedIn.patron.address == facts.address &&
        signedIn.patron.birthDate == facts.birthDate, "the server derived the same facts")
    check(signedIn.patron.email == "hanako@example.jp" && signedIn.patron.homeBranch == "central", "details stored")
    check(!signedIn.toString().contains(server.sessionToken()!!), "no token in the records")
    expect<ServerException.Refused>("the same proof twice", { server.register(proof, details) }) {
        it.code == "challenge_reused"
    }

    // The library card, rendered offline from the server's payload.
    val card = server.card()
    check(card.cardNumber == signedIn.patron.cardNumber && card.barcodePayload.contains(card.cardNumber), "library card")
    check(libraryCardBarcodePng(card.barcodePayload, 4u)[1] == 'P'.code.toByte(), "library card barcode")

    // The token goes to the Keystore and comes back on the next start.
    val restarted = LibraryServer(origin)
    restarted.restoreSession(server.sessionToken()!!)
    check(restarted.me().id == signedIn.patron.id, "restored session")

    // Search, reserve, see the queue, cancel.
    val found = server.search("吾輩は猫", null, false, 1u, 20u)
    val title = found.titles.firstOrNull { it.title == "吾輩は猫である" }
    check(title != null, "search finds 吾輩は猫である (${found.total} results)")
    if (title != null) {
        val hold = server.placeHold(title.id, "central")
        check(hold.position == 1u && hold.titleId == title.id, "hold placed, position ${hold.position}")
        check(server.holds().map { it.id } == listOf(hold.id), "hold listed")
        expect<ServerException.Refused>("a second hold on the title", { server.placeHold(title.id, "central") }) {
            it.status == 409.toUShort()
        }
        check(server.cancelHold(hold.id).state == "cancelled", "hold cancelled")
    }
    check(server.loans().isEmpty(), "no loans")

    // A new device logs in with the 4-digit PIN.
    val phone = LibraryServer(origin)
    val loginLink = link("tanaka-hanako", true, null, null)
    val loginProof = loginTap(loginLink, phone.loginChallenge(), "1234", false)
    check(loginLink.pinsSent == 1, "login: one PIN")
    val again = phone.login(loginProof)
    check(again.patron.id == signedIn.patron.id && !again.created, "login finds the same patron")
    check(phone.sessionToken() != server.sessionToken(), "a session of its own")

    // Error paths a phone meets.
    val wrong = link("tanaka-hanako", true, null, null)
    expect<CardException.WrongPin>("wrong auth PIN", { loginTap(wrong, phone.loginChallenge(), "9999", false) }) {
        it.pin == PinKind.AUTH_PIN && it.triesLeft == 2.toUByte() && wrong.pinsSent == 1
    }
    val lost = link("tanaka-hanako", false, null, null)
    lost.loseAfter = 6 // mid-read: after SELECT, VERIFY and a few READ BINARY
    expect<CardException.CardLost>("tag lost mid-read", { loginTap(lost, phone.loginChallenge(), "1234", false) }) {
        lost.commands == 6
    }
    val oneLeft = link("tanaka-hanako", true, null, 1u)
    expect<CardException.LastTryRefused>("last auth try refused", { loginTap(oneLeft, phone.loginChallenge(), "1234", false) }) {
        it.pin == PinKind.AUTH_PIN && oneLeft.pinsSent == 0
    }
    val child = link("kobayashi-child", true, null, null)
    val childStatus = cardStatus(child)
    check(!childStatus.signingCertificate && childStatus.signingPassword == null, "child's card: no signing certificate")
    expect<CardException.NoSigningCertificate>("registration without a signing certificate", {
        registrationTap(child, server.registrationChallenge(), "ABC123", "1234", false)
    }) { child.pinsSent == 0 && it.reasonJa.isNotEmpty() }

    phone.logout()
    check(!phone.isLoggedIn(), "logged out")
    expect<ServerException.NotLoggedIn>("a call after logout", { phone.me() }) { true }
    check(server.me().id == signedIn.patron.id, "the other session lives on")
    expect<ServerException.Unreachable>("no server", { LibraryServer("http://127.0.0.1:9").registrationChallenge() }) { true }
}
