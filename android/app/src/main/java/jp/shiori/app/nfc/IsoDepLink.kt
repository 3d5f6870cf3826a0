package jp.shiori.app.nfc

import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import java.io.IOException
import java.util.concurrent.atomic.AtomicInteger
import uniffi.shiori_ffi.LinkCapabilities
import uniffi.shiori_ffi.LinkException
import uniffi.shiori_ffi.NfcLink

/**
 * The Rust core's [NfcLink] over Android's [IsoDep]: one APDU in, the whole
 * response (data + SW1 SW2) out. The caller connects [isoDep] and sets its
 * timeout; this class only carries commands.
 *
 * [transmit] blocks (IsoDep.transceive does), like every Rust call that uses
 * this link: use it from Dispatchers.IO only.
 *
 * [onCommand] is called with the running count of commands sent, before each
 * one goes out, to drive a progress indicator. It runs on the calling (IO)
 * thread. The APDUs themselves are never logged: the VERIFY command carries
 * the PIN.
 */
class IsoDepLink(
    private val isoDep: IsoDep,
    private val onCommand: (sent: Int) -> Unit = {},
) : NfcLink {
    private val sent = AtomicInteger()

    /** Commands sent so far. */
    val commandsSent: Int get() = sent.get()

    override fun transmit(command: ByteArray): ByteArray {
        onCommand(sent.incrementAndGet())
        return try {
            isoDep.transceive(command)
        } catch (e: TagLostException) {
            throw LinkException.TagLost(e.message ?: "tag lost")
        } catch (e: SecurityException) {
            // "Tag ... is out of date": the card left and the Tag object went stale.
            throw LinkException.TagLost(e.message ?: "tag out of date")
        } catch (e: IOException) {
            throw LinkException.Other(e.message ?: e.javaClass.simpleName)
        } catch (e: IllegalStateException) {
            // Not connected (closed underneath us, or NFC switched off).
            throw LinkException.Other(e.message ?: "not connected")
        }
    }

    override fun capabilities(): LinkCapabilities = LinkCapabilities(
        extendedLength = isoDep.isExtendedLengthApduSupported,
        maxTransceive = isoDep.maxTransceiveLength.toUInt(),
    )
}
