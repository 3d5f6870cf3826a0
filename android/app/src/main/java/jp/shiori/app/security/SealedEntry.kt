package jp.shiori.app.security

import android.content.Context
import android.content.SharedPreferences
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.util.Base64
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * One secret value kept in the session's SharedPreferences, encrypted with the
 * app's AES-256/GCM key in the Android Keystore (the key never leaves the
 * secure hardware, where there is some). The IV and the ciphertext are kept
 * base64 under [ivName] and [ciphertextName]. [TokenStore] and [CardStore]
 * share this scheme and the key.
 *
 * Keystore calls can be slow: call from Dispatchers.IO. No exception text
 * here contains the value.
 */
internal class SealedEntry(
    context: Context,
    private val ivName: String,
    private val ciphertextName: String,
) {
    private val prefs: SharedPreferences =
        context.applicationContext.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    fun save(plaintext: ByteArray) {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The Keystore picks a fresh random IV for every encryption.
        cipher.init(Cipher.ENCRYPT_MODE, key())
        val ciphertext = cipher.doFinal(plaintext)
        prefs.edit()
            .putString(ivName, b64.encodeToString(cipher.iv))
            .putString(ciphertextName, b64.encodeToString(ciphertext))
            .commit()
    }

    /**
     * The stored value, or null: none stored, or it cannot be decrypted any
     * more (then it is removed).
     */
    fun load(): ByteArray? {
        val iv = prefs.getString(ivName, null) ?: return null
        val ciphertext = prefs.getString(ciphertextName, null) ?: return null
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(TAG_BITS, b64d.decode(iv)))
            cipher.doFinal(b64d.decode(ciphertext))
        } catch (e: GeneralSecurityException) {
            // Key gone (e.g. lock screen removed on some devices) or data
            // damaged: the value is lost.
            clear()
            null
        } catch (e: IllegalArgumentException) {
            clear()
            null
        }
    }

    fun clear() {
        prefs.edit().remove(ivName).remove(ciphertextName).commit()
    }

    private fun key(): SecretKey {
        val keyStore = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (keyStore.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(
                ALIAS,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // The token is used at every start and the card must show at
                // the desk, both without a prompt; the library session itself
                // is short-lived and revocable.
                .setUserAuthenticationRequired(false)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"

        // The name predates the stored card; kept so that existing installs
        // keep their key (and their session).
        const val ALIAS = "shiori.session-token"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val PREFS = "shiori.session"
        val b64: Base64.Encoder = Base64.getEncoder()
        val b64d: Base64.Decoder = Base64.getDecoder()
    }
}
