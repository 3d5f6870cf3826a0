package jp.shiori.app.ui

import android.app.Application
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.nfc.Tag
import android.nfc.tech.IsoDep
import androidx.annotation.StringRes
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.IOException
import java.time.LocalDate
import java.time.format.DateTimeFormatter
import java.util.concurrent.atomic.AtomicReference
import jp.shiori.app.BuildConfig
import jp.shiori.app.R
import jp.shiori.app.nfc.IsoDepLink
import jp.shiori.app.security.CardStore
import jp.shiori.app.security.TokenStore
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import uniffi.shiori_ffi.BarcodeException
import uniffi.shiori_ffi.BasicFacts
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.CardException
import uniffi.shiori_ffi.CardStatus
import uniffi.shiori_ffi.CardType
import uniffi.shiori_ffi.Challenge
import uniffi.shiori_ffi.Hold
import uniffi.shiori_ffi.LibraryCard
import uniffi.shiori_ffi.LibraryServer
import uniffi.shiori_ffi.Loan
import uniffi.shiori_ffi.NfcLink
import uniffi.shiori_ffi.PinKind
import uniffi.shiori_ffi.PinState
import uniffi.shiori_ffi.RegistrationDetails
import uniffi.shiori_ffi.RegistrationProof
import uniffi.shiori_ffi.ServerException
import uniffi.shiori_ffi.TitleDetails
import uniffi.shiori_ffi.TitleSummary
import uniffi.shiori_ffi.cardStatus
import uniffi.shiori_ffi.libraryCardBarcodePng
import uniffi.shiori_ffi.loginTap
import uniffi.shiori_ffi.registrationTap

/**
 * Registration (the signing password and the 4-digit PIN, one tap) or login
 * on a new device (the 4-digit PIN).
 */
enum class Mode { REGISTER, LOGIN }

/**
 * What the app knows of one secret's counter: [left] tries of [max] (null:
 * unknown, e.g. already verified in the card's session).
 */
data class Tries(val left: Int?, val max: Int?) {
    /** The next wrong entry blocks it: the resident must confirm first. */
    val lastTry: Boolean get() = left == 1

    companion object {
        val UNKNOWN = Tries(null, null)

        fun of(state: PinState): Tries = when (state) {
            is PinState.TriesLeft -> Tries(state.triesLeft.toInt(), state.maxTries.toInt())
            else -> UNKNOWN
        }
    }
}

enum class Tab { CARD, SEARCH, HOLDS, LOANS }

sealed interface Screen {
    data object Starting : Screen
    data object Onboarding : Screen

    /** Tap the card to read its status (tries left; no PIN sent). */
    data class CheckCard(val mode: Mode) : Screen

    /**
     * Type the secrets the next tap uses: REGISTER asks for the signing
     * password ([password]) and the 4-digit PIN ([pin]) before the one tap
     * that uses both; LOGIN for the PIN only ([password] is null).
     */
    data class EnterSecret(val mode: Mode, val password: Tries?, val pin: Tries) : Screen

    /** The challenge is fetched: tap the card again to sign it. */
    data class Tap(val mode: Mode) : Screen

    /** The card's 4 facts, plus the resident's contact details. */
    data class Confirm(val facts: BasicFacts) : Screen

    data class Main(val tab: Tab) : Screen
}

/** Waits for a card on this screen: reader mode is on. */
val Screen.waitsForCard: Boolean get() = this is Screen.CheckCard || this is Screen.Tap

/** Something to tell the resident; rendered (and localized) by the UI. */
sealed interface UiMessage {
    data class Text(
        @StringRes val id: Int,
        val args: List<Any> = emptyList(),
        val error: Boolean = false,
    ) : UiMessage
    data class Failure(val error: Throwable) : UiMessage
}

/**
 * The library card on screen. [barcode] is rendered on the device (null: it
 * could not be). [offline]: the server could not be reached, this is the card
 * kept from an earlier refresh.
 */
data class LibraryCardView(val card: LibraryCard, val barcode: Bitmap?, val offline: Boolean = false)

data class SearchState(
    val query: String = "",
    val results: List<TitleSummary> = emptyList(),
    val total: Long = 0,
    val page: Int = 0,
    val searched: Boolean = false,
    val details: TitleDetails? = null,
)

data class UiState(
    val screen: Screen = Screen.Starting,
    val busy: Boolean = false,
    val message: UiMessage? = null,
    /** Commands sent in the running card conversation; null: none running. */
    val tapProgress: Int? = null,
    val branches: List<Branch> = emptyList(),
    val homeBranch: String? = null,
    val card: LibraryCardView? = null,
    val search: SearchState = SearchState(),
    val holds: List<Hold>? = null,
    val loans: List<Loan>? = null,
)

/**
 * The app's single ViewModel: holds the [LibraryServer] and the screen state.
 *
 * Every Rust call blocks (card conversations, HTTP), so every one of them runs
 * in [io] on Dispatchers.IO, never on the main thread. Card rules (PIN format,
 * tries, last-try refusal) are Rust's; this class only routes results, and asks
 * the resident to confirm before passing allowLastTry = true.
 */
class ShioriViewModel(app: Application) : AndroidViewModel(app) {
    private val tokens = TokenStore(app)
    private val cards = CardStore(app)

    /**
     * Guards the end of a session against a late answer of its [server]: a
     * card that arrives after logout is neither stored nor shown.
     */
    private val sessionLock = Any()

    @Volatile
    private var server = LibraryServer(BuildConfig.SHIORI_SERVER)

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    /** True while a screen waits for a card: MainActivity turns reader mode on. */
    val readerWanted: StateFlow<Boolean> = _state
        .map { it.screen.waitsForCard }
        .distinctUntilChanged()
        .stateIn(viewModelScope, SharingStarted.Eagerly, false)

    /** What the next tapped card is for; taken (set to null) by [onTag]. */
    private sealed interface CardJob {
        data class Status(val mode: Mode) : CardJob

        /**
         * Sign [challenge] with the card: REGISTER with [password] and [pin]
         * in one tap, LOGIN with [pin]. Holds the secrets only until the tap
         * has run (JVM strings cannot be wiped; we drop every reference).
         * [entry] is the screen they were typed on (its tries, to go back to).
         */
        class Sign(
            val entry: Screen.EnterSecret,
            val challenge: Challenge,
            val password: String?,
            val pin: String,
            val allowLastTry: Boolean,
        ) : CardJob {
            val mode: Mode get() = entry.mode
        }
    }

    private val pending = AtomicReference<CardJob?>(null)

    /** The registration tap's result, until register() sends it. */
    private var registrationProof: RegistrationProof? = null

    init {
        io {
            val token = tokens.load()
            if (token != null) {
                server.restoreSession(token)
                // The card kept from the last refresh shows at once, network
                // or not; refreshMain() asks the server in the background.
                cards.load()?.let { card ->
                    val view = LibraryCardView(card, renderBarcode(card))
                    _state.update { it.copy(card = view) }
                }
                go(Screen.Main(Tab.CARD))
                refreshMain()
            } else {
                // No session, no card: never show one without its login.
                cards.clear()
                go(Screen.Onboarding)
            }
        }
    }

    // ---- Navigation ----------------------------------------------------

    private fun go(screen: Screen, message: UiMessage? = null) {
        _state.update { it.copy(screen = screen, message = message, busy = false) }
    }

    private fun say(message: UiMessage?) = _state.update { it.copy(message = message) }

    fun dismissMessage() = say(null)

    fun selectTab(tab: Tab) {
        go(Screen.Main(tab))
        when (tab) {
            // Shown offline: try the server again.
            Tab.CARD -> _state.value.card.let { if (it == null || it.offline) loadCard() }
            Tab.HOLDS -> loadHolds()
            Tab.LOANS -> loadLoans()
            Tab.SEARCH -> Unit
        }
        // Not loaded at start (offline): the names of the branches.
        if (tab != Tab.CARD && _state.value.branches.isEmpty()) loadBranches(quietOffline = true)
    }

    /** Back from any registration/login step: drop everything of the flow. */
    fun cancelFlow() {
        discardPending()
        discardProof()
        go(Screen.Onboarding)
    }

    // ---- Registration and login --------------------------------------

    fun startRegistration() {
        discardProof()
        checkCard(Mode.REGISTER)
    }

    fun startLogin() = checkCard(Mode.LOGIN)

    private fun checkCard(mode: Mode, message: UiMessage? = null) {
        discardPending()
        pending.set(CardJob.Status(mode))
        go(Screen.CheckCard(mode), message)
    }

    /**
     * The resident typed the secrets: for a registration the signing
     * [password] and the [pin], for a login the [pin] ([password] null).
     * [allowLastTry]: the resident confirmed the last try of each secret
     * that has one left (Rust's flag covers both secrets of the one tap; the
     * screen asks per secret). Fetch the challenge first, then ask for the
     * tap; nothing is retried automatically.
     */
    fun submitSecrets(password: String?, pin: String, allowLastTry: Boolean) {
        val screen = _state.value.screen as? Screen.EnterSecret ?: return
        if (screen.mode == Mode.REGISTER && password == null) return
        io(busy = true) {
            val challenge = when (screen.mode) {
                Mode.REGISTER -> server.registrationChallenge()
                Mode.LOGIN -> server.loginChallenge()
            }
            discardPending()
            pending.set(CardJob.Sign(screen, challenge, password, pin, allowLastTry))
            go(Screen.Tap(screen.mode))
        }
    }

    /** Called by MainActivity's reader callback (a binder thread) for each card. */
    fun onTag(tag: Tag) {
        val job = pending.getAndSet(null) ?: return
        viewModelScope.launch(Dispatchers.IO) {
            val isoDep = IsoDep.get(tag)
            if (isoDep == null) {
                // Not an ISO-DEP card (e.g. a transit IC card): wait for another.
                rearm(job)
                say(UiMessage.Text(R.string.err_not_iso_dep, error = true))
                return@launch
            }
            _state.update { it.copy(tapProgress = 0, message = null) }
            try {
                try {
                    isoDep.connect()
                    // The card signs with RSA-2048 on its own chip: that takes
                    // several seconds (≥ 5 s on some cards), far beyond
                    // IsoDep's default timeout of about 1 s.
                    isoDep.timeout = 10_000
                } catch (e: IOException) {
                    // Nothing was sent: the same job waits for the next tap.
                    rearm(job)
                    say(UiMessage.Text(R.string.err_connect, error = true))
                    return@launch
                }
                val link = IsoDepLink(isoDep) { n -> _state.update { it.copy(tapProgress = n) } }
                when (job) {
                    is CardJob.Status -> runStatus(job.mode, link)
                    is CardJob.Sign -> runSign(job, link)
                }
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                fail(e)
            } finally {
                runCatching { isoDep.close() }
                _state.update { it.copy(tapProgress = null) }
            }
        }
    }

    /**
     * A card conversation takes seconds: route its result only if the
     * resident is still on the tap screen (they may have gone back).
     */
    private fun stillTapping(): Boolean = _state.value.screen.waitsForCard

    /** Wait for the next tap with the same job, unless the flow was left. */
    private fun rearm(job: CardJob) {
        if (stillTapping() && pending.compareAndSet(null, job)) return
        (job as? CardJob.Sign)?.challenge?.close()
    }

    private fun runStatus(mode: Mode, link: NfcLink) {
        val status: CardStatus = try {
            cardStatus(link)
        } catch (e: CardException) {
            if (stillTapping()) checkCard(mode, UiMessage.Failure(e))
            return
        }
        if (!stillTapping()) return
        // Shiori registers My Number Cards only (Rust refuses the others too);
        // say so now rather than after the password.
        if (status.cardType != CardType.MY_NUMBER_CARD) {
            checkCard(mode, UiMessage.Text(R.string.err_card_type, error = true))
            return
        }
        // A registration needs both certificates and both secrets (the one
        // tap signs with both keys); a login the auth certificate and PIN.
        val password = status.signingPassword
        when {
            mode == Mode.REGISTER && (!status.signingCertificate || password == null) ->
                checkCard(mode, UiMessage.Text(R.string.err_no_signing_certificate, error = true))
            !status.authCertificate ->
                checkCard(mode, UiMessage.Text(R.string.err_no_auth_certificate, error = true))
            mode == Mode.REGISTER && password is PinState.Blocked ->
                go(Screen.Onboarding, UiMessage.Text(R.string.err_signing_blocked, error = true))
            status.authPin is PinState.Blocked ->
                go(Screen.Onboarding, UiMessage.Text(R.string.err_auth_blocked, error = true))
            mode == Mode.REGISTER && password != null ->
                go(Screen.EnterSecret(mode, Tries.of(password), Tries.of(status.authPin)))
            else -> go(Screen.EnterSecret(mode, null, Tries.of(status.authPin)))
        }
    }

    private fun runSign(job: CardJob.Sign, link: NfcLink) {
        try {
            when (job.mode) {
                Mode.REGISTER -> {
                    val password = job.password ?: return
                    val proof = registrationTap(link, job.challenge, password, job.pin, job.allowLastTry)
                    if (!stillTapping()) {
                        proof.close()
                        return
                    }
                    discardProof()
                    registrationProof = proof
                    go(Screen.Confirm(proof.facts()))
                    loadBranches()
                }
                Mode.LOGIN -> {
                    val proof = loginTap(link, job.challenge, job.pin, job.allowLastTry)
                    try {
                        if (!stillTapping()) return
                        server.login(proof)
                    } catch (e: ServerException.RegisterAgain) {
                        // Registered before registrations proved both keys:
                        // register again (same patron, card number, holds).
                        checkCard(Mode.REGISTER, UiMessage.Text(R.string.notice_register_again))
                        return
                    } catch (e: ServerException) {
                        go(Screen.Onboarding, UiMessage.Failure(e))
                        return
                    } finally {
                        proof.close()
                    }
                    signedIn(UiMessage.Text(R.string.notice_logged_in))
                }
            }
        } catch (e: CardException) {
            if (stillTapping()) signFailed(job, e)
        } finally {
            job.challenge.close()
        }
    }

    /**
     * Route a failed signing tap back to the entry screen with the counters
     * the card just gave. Never retries: the resident decides.
     */
    private fun signFailed(job: CardJob.Sign, e: CardException) {
        val failure = UiMessage.Failure(e)
        val entry = job.entry
        when (e) {
            is CardException.WrongPin -> {
                val left = e.triesLeft.toInt()
                if (left == 0) go(Screen.Onboarding, failure)
                else go(entry.afterWrong(e.pin, left), failure)
            }
            // Nothing was sent: this secret is at its last try.
            is CardException.LastTryRefused -> go(entry.withTries(e.pin, 1), failure)
            // Nothing was sent to the card: the counts are unchanged.
            is CardException.PinFormat -> go(entry, failure)
            is CardException.PinBlocked -> go(Screen.Onboarding, failure)
            // Card lost mid-way and the rest: the tries counter may have
            // changed, so read the status again before asking for the secret.
            else -> checkCard(job.mode, failure)
        }
    }

    /** The entry screen with [left] tries known for [pin]; the other secret as it was. */
    private fun Screen.EnterSecret.withTries(pin: PinKind, left: Int): Screen.EnterSecret = when (pin) {
        PinKind.SIGNING_PASSWORD -> copy(password = (password ?: Tries.UNKNOWN).copy(left = left))
        PinKind.AUTH_PIN -> copy(pin = this.pin.copy(left = left))
    }

    /**
     * The entry screen after the card refused [pin] with [left] tries left.
     * In a registration the password is verified first, so a wrong PIN means
     * the password was right: the card reset its counter to the full count.
     */
    private fun Screen.EnterSecret.afterWrong(pin: PinKind, left: Int): Screen.EnterSecret {
        val updated = withTries(pin, left)
        val password = updated.password
        return if (pin == PinKind.AUTH_PIN && password != null) {
            updated.copy(password = password.copy(left = password.max))
        } else {
            updated
        }
    }

    fun register(email: String, nameKana: String, phone: String, homeBranch: String?) {
        val proof = registrationProof ?: return
        if (email.isBlank()) {
            say(UiMessage.Text(R.string.err_email_required, error = true))
            return
        }
        io(busy = true) {
            server.register(
                proof,
                RegistrationDetails(
                    email = email.trim(),
                    nameKana = nameKana.trim().ifEmpty { null },
                    phone = phone.trim().ifEmpty { null },
                    homeBranch = homeBranch,
                ),
            )
            discardProof()
            signedIn(UiMessage.Text(R.string.notice_registered))
        }
    }

    /** After register/login: keep the token in the Keystore, show the card. */
    private fun signedIn(message: UiMessage) {
        server.sessionToken()?.let(tokens::save)
        // refreshMain() fetches and stores this patron's card.
        cards.clear()
        go(Screen.Main(Tab.CARD), message)
        refreshMain()
    }

    private fun discardPending() {
        (pending.getAndSet(null) as? CardJob.Sign)?.challenge?.close()
    }

    private fun discardProof() {
        registrationProof?.close()
        registrationProof = null
    }

    // ---- Library -------------------------------------------------------

    /**
     * In the background after start and sign-in. Offline (at the library
     * desk) the card screen shows the stored card with a note; the other two
     * stay quiet rather than cover it with errors.
     */
    private fun refreshMain() {
        loadCard()
        loadBranches(quietOffline = true)
        io(quietOffline = true) {
            val patron = server.me()
            _state.update { it.copy(homeBranch = patron.homeBranch) }
        }
    }

    /**
     * Fetch the card; store it (encrypted) for offline display. Unreachable
     * with a card on screen: keep showing it, marked offline, no error.
     */
    fun loadCard() {
        val session = server
        io {
            val card = try {
                session.card()
            } catch (e: ServerException.Unreachable) {
                if (_state.value.card == null) throw e
                _state.update { it.copy(card = it.card?.copy(offline = true)) }
                return@io
            }
            val shown = _state.value.card
            val barcode = if (shown != null && shown.card == card) shown.barcode else renderBarcode(card)
            synchronized(sessionLock) {
                // Logged out (or the session ended) meanwhile: keep nothing.
                if (session !== server) return@io
                cards.save(card)
                _state.update { it.copy(card = LibraryCardView(card, barcode)) }
            }
        }
    }

    /** The NW-7 barcode, rendered on the device by Rust; null if it cannot be. */
    private fun renderBarcode(card: LibraryCard): Bitmap? = try {
        val png = libraryCardBarcodePng(card.barcodePayload, 4u)
        BitmapFactory.decodeByteArray(png, 0, png.size)
    } catch (e: BarcodeException) {
        // The screen says so and still shows the card number.
        null
    }

    private fun loadBranches(quietOffline: Boolean = false) = io(quietOffline = quietOffline) {
        val branches = server.branches()
        _state.update { it.copy(branches = branches) }
    }

    fun search(query: String) {
        if (query.isBlank()) return
        io(busy = true) {
            val page = server.search(query.trim(), null, false, 1u, PER_PAGE)
            _state.update {
                it.copy(
                    busy = false,
                    search = SearchState(
                        query = query,
                        results = page.titles,
                        total = page.total.toLong(),
                        page = 1,
                        searched = true,
                    ),
                )
            }
        }
    }

    fun searchMore() {
        val current = _state.value.search
        if (!current.searched || current.results.size >= current.total) return
        io(busy = true) {
            val page = server.search(
                current.query.trim(), null, false, (current.page + 1).toUInt(), PER_PAGE,
            )
            _state.update {
                it.copy(
                    busy = false,
                    search = it.search.copy(
                        results = it.search.results + page.titles,
                        page = page.page.toInt(),
                        total = page.total.toLong(),
                    ),
                )
            }
        }
    }

    fun openTitle(id: Long) = io(busy = true) {
        val details = server.title(id)
        _state.update { it.copy(busy = false, search = it.search.copy(details = details)) }
    }

    fun closeTitle() = _state.update { it.copy(search = it.search.copy(details = null)) }

    fun placeHold(titleId: Long, pickupBranch: String) = io(busy = true) {
        val hold = server.placeHold(titleId, pickupBranch)
        val position = hold.position
        _state.update {
            it.copy(
                busy = false,
                message = if (position != null) {
                    UiMessage.Text(R.string.notice_hold_placed_position, listOf(position.toInt()))
                } else {
                    UiMessage.Text(R.string.notice_hold_placed)
                },
            )
        }
        loadHoldsNow()
    }

    fun loadHolds() = io { loadHoldsNow() }

    private fun loadHoldsNow() {
        val holds = server.holds()
        _state.update { it.copy(holds = holds) }
    }

    fun cancelHold(id: String) = io(busy = true) {
        server.cancelHold(id)
        loadHoldsNow()
        _state.update { it.copy(busy = false, message = UiMessage.Text(R.string.notice_hold_cancelled)) }
    }

    /**
     * Suspend a queued hold until [until] (a library date, after today and
     * within a year: the picker offers only those, the server checks again).
     */
    fun suspendHold(id: String, until: LocalDate) = io(busy = true) {
        val iso = until.format(DateTimeFormatter.ISO_LOCAL_DATE)
        val hold = server.suspendHold(id, iso)
        _state.update {
            it.copy(
                busy = false,
                holds = it.holds?.map { h -> if (h.id == hold.id) hold else h },
                message = UiMessage.Text(R.string.notice_hold_suspended, listOf(formatDate(iso))),
            )
        }
    }

    fun resumeHold(id: String) = io(busy = true) {
        val hold = server.resumeHold(id)
        _state.update {
            it.copy(
                busy = false,
                holds = it.holds?.map { h -> if (h.id == hold.id) hold else h },
                message = UiMessage.Text(R.string.notice_hold_resumed),
            )
        }
    }

    fun loadLoans() = io { loadLoansNow() }

    private fun loadLoansNow() {
        val loans = server.loans()
        _state.update { it.copy(loans = loans) }
    }

    /** Renew a loan. A refusal (limit reached, others waiting, overdue) shows the server's reason. */
    fun renewLoan(id: String) = io(busy = true) {
        val loan = server.renewLoan(id)
        _state.update {
            it.copy(
                busy = false,
                loans = it.loans?.map { l -> if (l.id == loan.id) loan else l },
                message = UiMessage.Text(R.string.notice_loan_renewed, listOf(formatLibraryDate(loan.dueAt))),
            )
        }
    }

    fun logout() = io(busy = true) {
        // Forget the session here even if the server cannot be told.
        val told = runCatching { server.logout() }.isSuccess
        endSession(UiMessage.Text(if (told) R.string.notice_logged_out else R.string.notice_logged_out_locally))
    }

    fun deleteAccount() = io(busy = true) {
        server.deleteAccount()
        endSession(UiMessage.Text(R.string.notice_account_deleted))
    }

    /** Forget the session: the token, the stored card and the screen state. */
    private fun endSession(message: UiMessage) {
        val old = synchronized(sessionLock) {
            tokens.clear()
            cards.clear()
            _state.value = UiState(screen = Screen.Onboarding, message = message)
            server.also { server = LibraryServer(BuildConfig.SHIORI_SERVER) }
        }
        old.close()
    }

    // ---- Plumbing ------------------------------------------------------

    /**
     * Run a blocking Rust call on Dispatchers.IO; errors become a message
     * ([quietOffline]: except an unreachable server, for background refreshes).
     */
    private fun io(busy: Boolean = false, quietOffline: Boolean = false, block: suspend () -> Unit) {
        viewModelScope.launch(Dispatchers.IO) {
            if (busy) _state.update { it.copy(busy = true, message = null) }
            try {
                block()
            } catch (e: CancellationException) {
                throw e
            } catch (e: ServerException.Unreachable) {
                if (!quietOffline) fail(e)
            } catch (e: Exception) {
                fail(e)
            } finally {
                if (busy) _state.update { it.copy(busy = false) }
            }
        }
    }

    private fun fail(e: Exception) {
        val sessionGone = e is ServerException.NotLoggedIn ||
            (e is ServerException.Refused && e.status.toInt() == 401)
        if (sessionGone && _state.value.screen is Screen.Main) {
            endSession(UiMessage.Text(R.string.err_session_ended, error = true))
        } else {
            say(UiMessage.Failure(e))
        }
    }

    override fun onCleared() {
        discardPending()
        discardProof()
        server.close()
    }

    private companion object {
        const val PER_PAGE: UInt = 20u
    }
}
