package jp.shiori.app

import android.content.Intent
import android.nfc.NfcAdapter
import android.os.Bundle
import android.provider.Settings
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.lifecycleScope
import androidx.lifecycle.repeatOnLifecycle
import jp.shiori.app.ui.NfcAvailability
import jp.shiori.app.ui.ShioriApp
import jp.shiori.app.ui.ShioriViewModel
import jp.shiori.app.ui.theme.ShioriTheme
import kotlinx.coroutines.launch

class MainActivity : ComponentActivity() {
    private val viewModel: ShioriViewModel by viewModels()
    private var nfcAdapter: NfcAdapter? = null
    private var readerOn = false
    private var nfc by mutableStateOf(NfcAvailability.ON)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        nfcAdapter = NfcAdapter.getDefaultAdapter(this)

        // Reader mode only while a screen waits for a card, and only while
        // this activity is in front (repeatOnLifecycle stops at onPause).
        lifecycleScope.launch {
            repeatOnLifecycle(Lifecycle.State.RESUMED) {
                viewModel.readerWanted.collect { wanted -> setReaderMode(wanted) }
            }
        }

        setContent {
            ShioriTheme {
                ShioriApp(
                    viewModel = viewModel,
                    nfc = nfc,
                    openNfcSettings = { startActivity(Intent(Settings.ACTION_NFC_SETTINGS)) },
                )
            }
        }
    }

    override fun onResume() {
        super.onResume()
        // NFC may have been switched on in Settings meanwhile.
        val adapter = nfcAdapter
        nfc = when {
            adapter == null -> NfcAvailability.MISSING
            !adapter.isEnabled -> NfcAvailability.OFF
            else -> NfcAvailability.ON
        }
    }

    override fun onPause() {
        setReaderMode(false)
        super.onPause()
    }

    private fun setReaderMode(on: Boolean) {
        val adapter = nfcAdapter ?: return
        if (on == readerOn) return
        if (on) {
            val extras = Bundle().apply {
                // Check the card is still there only every 2 s: the card is
                // busy for seconds while it signs, and the platform's presence
                // checks must not get in the way of the running command.
                putInt(NfcAdapter.EXTRA_READER_PRESENCE_CHECK_DELAY, 2_000)
            }
            adapter.enableReaderMode(
                this,
                { tag -> viewModel.onTag(tag) },
                // My Number Card: ISO 14443 Type B. No NDEF probe (it would
                // send its own commands), no platform sound (the app shows
                // its own progress and the card must stay put).
                NfcAdapter.FLAG_READER_NFC_B or
                    NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or
                    NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS,
                extras,
            )
        } else {
            adapter.disableReaderMode(this)
        }
        readerOn = on
    }
}
