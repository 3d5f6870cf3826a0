// JVM test of the generated Kotlin bindings (scripts/jvm-bindings-test.sh).
// An NfcLink implemented in Kotlin, over the Rust virtual card, drives the
// exported functions through JNA and the real uniffi scaffolding.
import uniffi.shiori_ffi.*

class KotlinLink(private val card: VirtualCardLink) : NfcLink {
    var commands = 0
    var pinsSent = 0
    var failWith: Exception? = null

    override fun transmit(command: ByteArray): ByteArray {
        failWith?.let { throw it }
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

fun main(args: Array<String>) {
    val image = args[0]
    fun link(extended: Boolean = true, signingTries: UByte? = null) =
        KotlinLink(VirtualCardLink.load(image, extended, signingTries))

    val l1 = link()
    val status = cardStatus(l1)
    check(status.cardType == CardType.MY_NUMBER_CARD, "card type")
    check(status.signingCertificate && status.authCertificate, "both certificates")
    check(status.authPin == PinState.TriesLeft(3u, 3u), "auth PIN 3/3: ${status.authPin}")
    check(status.signingPassword == PinState.TriesLeft(5u, 5u), "signing 5/5: ${status.signingPassword}")
    check(l1.pinsSent == 0, "status sends no PIN")

    for (extended in listOf(true, false)) {
        val l = link(extended)
        val facts = readBasicFacts(l, "hanako1990", false)
        check(facts.name == "田中\u3000花子", "name (extended=$extended)")
        check(facts.address == "東京都杉並区阿佐谷南九丁目９番９９号", "address")
        check(facts.birthDate == "1990-01-02" && facts.birthDateRaw == "419900102", "birth date")
        check(facts.gender == Gender.FEMALE, "gender")
        check(facts.signingSerialHex == "55A8AE07", "serial")
        check(l.pinsSent == 1, "one PIN sent")
    }

    val l2 = link()
    try {
        readBasicFacts(l2, "WRONG123", false)
        check(false, "wrong password throws")
    } catch (e: CardException.WrongPin) {
        check(e.pin == PinKind.SIGNING_PASSWORD && e.triesLeft == 4.toUByte(), "WrongPin, 4 left")
        check(!e.reason.contains("WRONG123") && e.reasonJa.contains("残り4回"), "reason texts")
    }

    val l3 = link(signingTries = 1u)
    try {
        readBasicFacts(l3, "HANAKO1990", false)
        check(false, "last try throws")
    } catch (e: CardException.LastTryRefused) {
        check(l3.pinsSent == 0, "LastTryRefused, nothing sent")
    }
    check(readBasicFacts(link(signingTries = 1u), "HANAKO1990", true).surname == "田中", "last try allowed")

    // A Kotlin exception thrown in transmit reaches Rust as a typed error.
    val l4 = link()
    l4.failWith = LinkException.TagLost("Tag was lost.")
    try {
        cardStatus(l4)
        check(false, "lost tag throws")
    } catch (e: CardException.CardLost) {
        check(e.reason.contains("Tag was lost."), "TagLost -> CardLost")
    }
    val l5 = link()
    l5.failWith = IllegalStateException("boom")
    try {
        cardStatus(l5)
        check(false, "unexpected exception throws")
    } catch (e: CardException.Card) {
        check(e.code == "reader_error", "unexpected Kotlin exception -> reader_error (${e.code})")
    }

    val png = libraryCardBarcodePng("A0290253031A", 2u)
    check(png.size > 8 && png[1] == 'P'.code.toByte(), "barcode PNG")

    if (failures > 0) {
        println("$failures check(s) failed")
        kotlin.system.exitProcess(1)
    }
    println("all checks passed")
}
