package jp.shiori.app.ui

import android.app.Activity
import android.content.Context
import android.content.ContextWrapper
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import jp.shiori.app.R

/**
 * The library card: the NW-7 barcode rendered by Rust, the card number under
 * it. The screen is at full brightness while shown, so desk scanners read it.
 * Without network it is the card stored on the device, with a small note
 * ([LibraryCardView.offline]) and a way to try the server again.
 */
@Composable
fun LibraryCardScreen(card: LibraryCardView?, onRetry: () -> Unit) {
    FullBrightness()
    if (card == null) {
        Box(Modifier.fillMaxSize()) {
            Column(Modifier.align(Alignment.Center), horizontalAlignment = Alignment.CenterHorizontally) {
                CircularProgressIndicator()
                Button(onClick = onRetry, modifier = Modifier.padding(top = 24.dp)) {
                    Text(stringResource(R.string.action_reload))
                }
            }
        }
        return
    }
    Column(
        modifier = Modifier.fillMaxSize().padding(20.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        if (card.offline) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    stringResource(R.string.card_offline),
                    style = MaterialTheme.typography.labelMedium,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                )
                TextButton(onClick = onRetry) { Text(stringResource(R.string.action_reload)) }
            }
        }
        Text(card.card.name, style = MaterialTheme.typography.titleLarge)
        Card(Modifier.fillMaxWidth()) {
            // Barcodes need a white quiet zone whatever the theme.
            Column(
                Modifier.fillMaxWidth().background(Color.White).padding(24.dp),
                horizontalAlignment = Alignment.CenterHorizontally,
            ) {
                val bitmap = card.barcode
                if (bitmap != null) {
                    val image = remember(bitmap) { bitmap.asImageBitmap() }
                    Image(
                        bitmap = image,
                        contentDescription = stringResource(R.string.card_barcode_description),
                        contentScale = ContentScale.FillWidth,
                        // Keep the bars sharp: no smoothing when scaled.
                        filterQuality = FilterQuality.None,
                        modifier = Modifier.fillMaxWidth(),
                    )
                } else {
                    Text(stringResource(R.string.err_barcode), color = Color.Black)
                }
                Text(
                    card.card.humanReadable,
                    color = Color.Black,
                    fontFamily = FontFamily.Monospace,
                    style = MaterialTheme.typography.titleLarge,
                    modifier = Modifier.padding(top = 12.dp),
                )
            }
        }
        Text(stringResource(R.string.card_show_at_desk), style = MaterialTheme.typography.bodyMedium)
    }
}

/** Screen brightness to the maximum while in composition; restored after. */
@Composable
private fun FullBrightness() {
    val activity = LocalContext.current.findActivity()
    DisposableEffect(activity) {
        val window = activity?.window ?: return@DisposableEffect onDispose {}
        val previous = window.attributes.screenBrightness
        window.attributes = window.attributes.apply { screenBrightness = 1f }
        onDispose {
            window.attributes = window.attributes.apply { screenBrightness = previous }
        }
    }
}

private tailrec fun Context.findActivity(): Activity? = when (this) {
    is Activity -> this
    is ContextWrapper -> baseContext.findActivity()
    else -> null
}
