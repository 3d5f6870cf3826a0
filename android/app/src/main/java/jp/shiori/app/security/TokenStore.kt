package jp.shiori.app.security

import android.content.Context

/**
 * The library session token, encrypted with the app's Keystore key
 * ([SealedEntry]: AES-256/GCM, IV and ciphertext base64 in SharedPreferences).
 *
 * Keystore calls can be slow: call from Dispatchers.IO. The token is never
 * logged, and no exception text here contains it.
 */
class TokenStore(context: Context) {
    // The entry names are those of the first version: a stored session survives updates.
    private val entry = SealedEntry(context, ivName = "iv", ciphertextName = "ciphertext")

    fun save(token: String) = entry.save(token.toByteArray(Charsets.UTF_8))

    /** The stored token, or null (none stored, or it cannot be decrypted any more). */
    fun load(): String? = entry.load()?.let { String(it, Charsets.UTF_8) }

    fun clear() = entry.clear()
}
