package jp.shiori.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.imePadding
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import jp.shiori.app.R
import uniffi.shiori_ffi.BasicFacts
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.PinKind

@Composable
fun Page(content: @Composable ColumnScope.() -> Unit) {
    Column(
        modifier = Modifier.fillMaxSize().imePadding().verticalScroll(rememberScrollState()).padding(20.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) { content() }
}

@Composable
fun OnboardingScreen(onRegister: () -> Unit, onLogin: () -> Unit) = Page {
    Text(stringResource(R.string.onboarding_title), style = MaterialTheme.typography.headlineSmall)
    Text(stringResource(R.string.onboarding_steps))
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(stringResource(R.string.privacy_title), style = MaterialTheme.typography.titleMedium)
            Text(stringResource(R.string.privacy_body), style = MaterialTheme.typography.bodyMedium)
        }
    }
    Button(onClick = onRegister, modifier = Modifier.fillMaxWidth()) {
        Text(stringResource(R.string.action_start_registration))
    }
    OutlinedButton(onClick = onLogin, modifier = Modifier.fillMaxWidth()) {
        Text(stringResource(R.string.action_login_new_device))
    }
}

/** Tap guidance with a progress indicator once the card answers. */
@Composable
private fun TapPanel(instruction: String, detail: String, progress: Int?) = Page {
    Spacer(Modifier.height(24.dp))
    Text(
        instruction,
        style = MaterialTheme.typography.headlineSmall,
        textAlign = TextAlign.Center,
        modifier = Modifier.fillMaxWidth(),
    )
    Text(detail, textAlign = TextAlign.Center, modifier = Modifier.fillMaxWidth())
    if (progress != null) {
        // The number of commands a conversation takes depends on the card and
        // the phone (short or extended APDUs), so the bar is indeterminate and
        // the count is shown as it grows.
        LinearProgressIndicator(modifier = Modifier.fillMaxWidth())
        Text(
            stringResource(R.string.tap_in_progress, progress),
            textAlign = TextAlign.Center,
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.fillMaxWidth(),
        )
    }
}

@Composable
fun CheckCardScreen(mode: Mode, progress: Int?) = TapPanel(
    instruction = stringResource(R.string.tap_instruction),
    detail = stringResource(
        if (mode == Mode.REGISTER) R.string.check_card_register else R.string.check_card_login,
    ),
    progress = progress,
)

@Composable
fun TapScreen(mode: Mode, progress: Int?) = TapPanel(
    instruction = stringResource(R.string.tap_instruction),
    detail = stringResource(if (mode == Mode.REGISTER) R.string.tap_sign_register else R.string.tap_sign_login),
    progress = progress,
)

/**
 * The secrets for the next tap, typed before it: a registration asks for the
 * signing password AND the 4-digit PIN (the one tap signs with both keys), a
 * login for the PIN. Shows the tries left of each when known. A secret at
 * its last try needs its own confirmation: one dialog per such secret, and
 * only when every one is confirmed does the app pass allowLastTry (Rust's
 * flag covers both secrets of the tap). The format is checked by Rust, not
 * here. The typed text lives only in this composable (not saved across
 * process death) and is cleared once handed over.
 */
@Composable
fun SecretScreen(
    screen: Screen.EnterSecret,
    busy: Boolean,
    onSubmit: (password: String?, pin: String, allowLastTry: Boolean) -> Unit,
) {
    val passwordTries = screen.password
    val register = screen.mode == Mode.REGISTER && passwordTries != null
    var password by remember(screen) { mutableStateOf("") }
    var pin by remember(screen) { mutableStateOf("") }
    // The secrets at their last try still to be confirmed, in order.
    var confirming by remember(screen) { mutableStateOf(emptyList<PinKind>()) }
    val complete = pin.isNotEmpty() && (!register || password.isNotEmpty())

    fun submit(allowLastTry: Boolean) {
        val typedPassword = if (register) password else null
        val typedPin = pin
        password = ""
        pin = ""
        onSubmit(typedPassword, typedPin, allowLastTry)
    }

    fun next() {
        if (!complete || busy) return
        // Rust refuses a last try unless told the resident agreed to it.
        val last = buildList {
            if (register && passwordTries?.lastTry == true) add(PinKind.SIGNING_PASSWORD)
            if (screen.pin.lastTry) add(PinKind.AUTH_PIN)
        }
        if (last.isEmpty()) submit(allowLastTry = false) else confirming = last
    }

    Page {
        Text(
            stringResource(if (register) R.string.secret_title_register else R.string.secret_title_login),
            style = MaterialTheme.typography.titleLarge,
        )
        if (register) {
            Text(stringResource(R.string.secret_intro_register))
            SecretField(
                value = password,
                onValueChange = { password = it },
                heading = stringResource(R.string.secret_heading_password),
                hint = stringResource(R.string.secret_hint_register),
                label = stringResource(R.string.secret_label_register),
                tries = passwordTries,
                digits = false,
                imeAction = ImeAction.Next,
                onDone = {},
            )
        }
        SecretField(
            value = pin,
            onValueChange = { pin = it },
            heading = stringResource(R.string.secret_heading_pin),
            hint = stringResource(R.string.secret_hint_login),
            label = stringResource(R.string.secret_label_login),
            tries = screen.pin,
            digits = true,
            imeAction = ImeAction.Done,
            onDone = { next() },
        )
        Text(stringResource(R.string.secret_lock_warning), style = MaterialTheme.typography.bodySmall)
        Button(onClick = { next() }, enabled = complete && !busy, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.action_next))
        }
    }

    confirming.firstOrNull()?.let { kind ->
        AlertDialog(
            onDismissRequest = { confirming = emptyList() },
            title = { Text(stringResource(R.string.last_try_title)) },
            text = {
                Text(
                    stringResource(
                        if (kind == PinKind.SIGNING_PASSWORD) R.string.last_try_body_register
                        else R.string.last_try_body_login,
                    ),
                )
            },
            confirmButton = {
                TextButton(onClick = {
                    val rest = confirming.drop(1)
                    confirming = rest
                    if (rest.isEmpty()) submit(allowLastTry = true)
                }) { Text(stringResource(R.string.last_try_confirm)) }
            },
            dismissButton = {
                TextButton(onClick = { confirming = emptyList() }) { Text(stringResource(R.string.action_cancel)) }
            },
        )
    }
}

/** One secret: what it is, its tries left when known, the masked field. */
@Composable
private fun SecretField(
    value: String,
    onValueChange: (String) -> Unit,
    heading: String,
    hint: String,
    label: String,
    tries: Tries?,
    digits: Boolean,
    imeAction: ImeAction,
    onDone: () -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(heading, style = MaterialTheme.typography.titleMedium)
        Text(hint, style = MaterialTheme.typography.bodyMedium)
        val left = tries?.left
        if (left != null) {
            val max = tries?.max
            Text(
                if (max != null) stringResource(R.string.tries_left_of, left, max)
                else stringResource(R.string.tries_left, left),
                style = MaterialTheme.typography.titleSmall,
                color = if (left <= 2) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurface,
            )
        }
        OutlinedTextField(
            value = value,
            onValueChange = onValueChange,
            label = { Text(label) },
            singleLine = true,
            visualTransformation = PasswordVisualTransformation(),
            keyboardOptions = KeyboardOptions(
                keyboardType = if (digits) KeyboardType.NumberPassword else KeyboardType.Password,
                capitalization = if (digits) KeyboardCapitalization.None else KeyboardCapitalization.Characters,
                autoCorrectEnabled = false,
                imeAction = imeAction,
            ),
            keyboardActions = KeyboardActions(onDone = { onDone() }),
            modifier = Modifier.fillMaxWidth(),
        )
    }
}

@Composable
private fun FactRow(label: String, value: String) {
    Column(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Text(label, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge)
    }
}

/** The card's 4 facts, read-only, and what the resident adds to them. */
@Composable
fun ConfirmScreen(
    facts: BasicFacts,
    branches: List<Branch>,
    busy: Boolean,
    onRegister: (email: String, nameKana: String, phone: String, homeBranch: String?) -> Unit,
    onRestart: () -> Unit,
) {
    val resources = LocalContext.current.resources
    var email by rememberSaveable { mutableStateOf("") }
    var nameKana by rememberSaveable { mutableStateOf("") }
    var phone by rememberSaveable { mutableStateOf("") }
    var homeBranch by rememberSaveable { mutableStateOf<String?>(null) }

    Page {
        Text(stringResource(R.string.confirm_intro))
        Card(Modifier.fillMaxWidth()) {
            Column(Modifier.padding(16.dp)) {
                FactRow(stringResource(R.string.fact_name), facts.name)
                FactRow(stringResource(R.string.fact_address), facts.address)
                FactRow(stringResource(R.string.fact_birth_date), formatDate(facts.birthDate))
                FactRow(stringResource(R.string.fact_gender), resources.genderLabel(facts))
                if ('1' in facts.nameSubstitutes || '1' in facts.addressSubstitutes) {
                    Text(stringResource(R.string.fact_substitutes), style = MaterialTheme.typography.bodySmall)
                }
            }
        }
        Text(stringResource(R.string.confirm_facts_note), style = MaterialTheme.typography.bodySmall)
        HorizontalDivider()
        OutlinedTextField(
            value = email,
            onValueChange = { email = it },
            label = { Text(stringResource(R.string.field_email)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Email, imeAction = ImeAction.Next),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = nameKana,
            onValueChange = { nameKana = it },
            label = { Text(stringResource(R.string.field_name_kana)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(imeAction = ImeAction.Next),
            modifier = Modifier.fillMaxWidth(),
        )
        OutlinedTextField(
            value = phone,
            onValueChange = { phone = it },
            label = { Text(stringResource(R.string.field_phone)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Phone, imeAction = ImeAction.Done),
            modifier = Modifier.fillMaxWidth(),
        )
        BranchPicker(
            label = stringResource(R.string.field_home_branch),
            branches = branches,
            selected = homeBranch,
            onSelect = { homeBranch = it },
            allowNone = true,
        )
        Button(
            onClick = { onRegister(email, nameKana, phone, homeBranch) },
            enabled = email.isNotBlank() && !busy,
            modifier = Modifier.fillMaxWidth(),
        ) { Text(stringResource(R.string.action_register)) }
        TextButton(onClick = onRestart, modifier = Modifier.align(Alignment.CenterHorizontally)) {
            Text(stringResource(R.string.action_restart))
        }
    }
}
