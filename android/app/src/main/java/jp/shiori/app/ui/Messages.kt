package jp.shiori.app.ui

import android.content.res.Resources
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import java.time.format.FormatStyle
import jp.shiori.app.R
import uniffi.shiori_ffi.BarcodeException
import uniffi.shiori_ffi.BasicFacts
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.CardException
import uniffi.shiori_ffi.Gender
import uniffi.shiori_ffi.Hold
import uniffi.shiori_ffi.LinkException
import uniffi.shiori_ffi.PinKind
import uniffi.shiori_ffi.ServerException

/** The UI resolved to English resources (values-en); Japanese otherwise. */
fun Resources.isEnglish(): Boolean = getString(R.string.lang) == "en"

fun Resources.text(message: UiMessage): String = when (message) {
    is UiMessage.Text -> getString(message.id, *message.args.toTypedArray())
    is UiMessage.Failure -> describe(message.error)
}

/**
 * What to tell the resident about an error: Rust's `reasonJa` in the Japanese
 * UI when it has one, its `reason` otherwise. Texts Rust gives only in
 * English (network, malformed answers) get the app's own localized line.
 */
fun Resources.describe(e: Throwable): String {
    val english = isEnglish()
    fun pick(reason: String, reasonJa: String?): String =
        if (english || reasonJa.isNullOrBlank()) reason else reasonJa
    fun withDetail(id: Int, reason: String): String =
        if (english) "${getString(id)} ($reason)" else getString(id)
    return when (e) {
        is CardException.WrongPin -> pick(e.reason, e.reasonJa)
        is CardException.LastTryRefused -> pick(e.reason, e.reasonJa)
        is CardException.PinBlocked -> pick(e.reason, e.reasonJa)
        is CardException.NoSigningCertificate -> pick(e.reason, e.reasonJa)
        is CardException.NotMyNumberCard -> pick(e.reason, e.reasonJa)
        is CardException.CardLost -> pick(e.reason, e.reasonJa)
        is CardException.Card -> pick(e.reason, e.reasonJa)
        // Rust gives this one in English only.
        is CardException.PinFormat -> if (english) {
            e.reason
        } else {
            getString(if (e.pin == PinKind.AUTH_PIN) R.string.err_pin_format else R.string.err_password_format)
        }
        is ServerException.Refused -> pick(e.reason, e.reasonJa)
        is ServerException.RegisterAgain -> pick(e.reason, e.reasonJa)
        is ServerException.Unreachable -> withDetail(R.string.err_unreachable, e.reason)
        is ServerException.BadAnswer -> withDetail(R.string.err_bad_answer, e.reason)
        is ServerException.NotLoggedIn -> getString(R.string.err_session_ended)
        is BarcodeException -> getString(R.string.err_barcode)
        is LinkException -> getString(R.string.err_connect)
        else -> getString(R.string.err_unexpected)
    }
}

fun Resources.genderLabel(facts: BasicFacts): String =
    if (!isEnglish()) {
        facts.genderJa
    } else {
        when (facts.gender) {
            Gender.MALE -> getString(R.string.gender_male)
            Gender.FEMALE -> getString(R.string.gender_female)
            Gender.UNKNOWN -> getString(R.string.gender_unknown)
        }
    }

fun Resources.holdStateLabel(state: String): String = when (state) {
    "queued" -> getString(R.string.hold_queued)
    "in_transit" -> getString(R.string.hold_in_transit)
    "ready" -> getString(R.string.hold_ready)
    "filled" -> getString(R.string.hold_filled)
    "cancelled" -> getString(R.string.hold_cancelled)
    "pickup_expired" -> getString(R.string.hold_pickup_expired)
    else -> state
}

/** Open holds can still be cancelled (the server decides; this only hides the button). */
fun isOpenHold(state: String): Boolean = state == "queued" || state == "in_transit" || state == "ready"

/**
 * The library's days are Japan's (JST): due dates, pickup days and hold
 * suspensions count in this zone whatever the phone's own.
 */
val LIBRARY_ZONE: ZoneId = ZoneId.of("Asia/Tokyo")

/** Today at the library. */
fun libraryToday(): LocalDate = LocalDate.now(LIBRARY_ZONE)

/**
 * The date a queued hold is suspended until, or null when it is not (any
 * more): the server keeps a lapsed date, and from that day on the hold waits
 * in the queue again.
 */
fun activeSuspension(hold: Hold): String? {
    val until = hold.suspendedUntil ?: return null
    if (hold.state != "queued") return null
    return try {
        until.takeIf { LocalDate.parse(it).isAfter(libraryToday()) }
    } catch (e: DateTimeParseException) {
        until
    }
}

fun Resources.itemStatusLabel(status: String): String = when (status) {
    "available" -> getString(R.string.item_available)
    "checked_out" -> getString(R.string.item_checked_out)
    "on_hold_shelf" -> getString(R.string.item_on_hold_shelf)
    "in_transit" -> getString(R.string.item_in_transit)
    "missing" -> getString(R.string.item_missing)
    else -> status
}

fun Resources.branchName(code: String?, branches: List<Branch>): String {
    if (code == null) return ""
    val branch = branches.firstOrNull { it.code == code } ?: return code
    return if (isEnglish()) branch.nameEn ?: branch.name else branch.name
}

/** `1990-01-02` in the resident's date style; the raw text if it does not parse. */
fun formatDate(iso: String): String = try {
    LocalDate.parse(iso).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG))
} catch (e: DateTimeParseException) {
    iso
}

/**
 * The library day (JST) of an RFC 3339 instant, e.g. a due date
 * (`2026-12-21T14:59:59Z` is the end of 21 December there).
 */
fun formatLibraryDate(rfc3339: String): String = try {
    OffsetDateTime.parse(rfc3339)
        .atZoneSameInstant(LIBRARY_ZONE)
        .format(DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG))
} catch (e: DateTimeParseException) {
    rfc3339
}

/** An RFC 3339 instant in the device's time zone. */
fun formatDateTime(rfc3339: String): String = try {
    OffsetDateTime.parse(rfc3339)
        .atZoneSameInstant(ZoneId.systemDefault())
        .format(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT))
} catch (e: DateTimeParseException) {
    rfc3339
}
