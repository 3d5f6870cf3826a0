package jp.shiori.app.security

import android.content.Context
import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.DataInputStream
import java.io.DataOutputStream
import java.io.IOException
import uniffi.shiori_ffi.LibraryCard

/**
 * The last library card the server sent, kept on the device so that the card
 * shows at the library desk without network. Encrypted like the session token
 * (same Keystore key and scheme, [SealedEntry]), and cleared with it: on
 * logout, account deletion and an ended session.
 *
 * Keystore calls can be slow: call from Dispatchers.IO. The card is never
 * logged.
 */
class CardStore(context: Context) {
    private val entry = SealedEntry(context, ivName = "card.iv", ciphertextName = "card.ciphertext")

    fun save(card: LibraryCard) {
        val bytes = ByteArrayOutputStream()
        DataOutputStream(bytes).use { out ->
            out.writeByte(FORMAT)
            out.writeUTF(card.cardNumber)
            out.writeUTF(card.humanReadable)
            out.writeUTF(card.barcodePayload)
            out.writeUTF(card.name)
        }
        entry.save(bytes.toByteArray())
    }

    /** The stored card, or null (none stored, unreadable, or from another format). */
    fun load(): LibraryCard? {
        val bytes = entry.load() ?: return null
        return try {
            DataInputStream(ByteArrayInputStream(bytes)).use { input ->
                if (input.readByte().toInt() != FORMAT) throw IOException("unknown format")
                LibraryCard(
                    cardNumber = input.readUTF(),
                    humanReadable = input.readUTF(),
                    barcodePayload = input.readUTF(),
                    name = input.readUTF(),
                )
            }
        } catch (e: IOException) {
            // Damaged or written by another version: the next refresh stores it again.
            clear()
            null
        }
    }

    fun clear() = entry.clear()

    private companion object {
        const val FORMAT = 1
    }
}
