package jp.shiori.app.ui

import androidx.activity.compose.BackHandler
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.AccountBox
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.MoreVert
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import jp.shiori.app.R

enum class NfcAvailability { ON, OFF, MISSING }

/** The whole app: one Scaffold, the screen chosen by [ShioriViewModel]'s state. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ShioriApp(viewModel: ShioriViewModel, nfc: NfcAvailability, openNfcSettings: () -> Unit) {
    val state by viewModel.state.collectAsStateWithLifecycle()
    val screen = state.screen
    val inFlow = screen is Screen.CheckCard || screen is Screen.EnterSecret ||
        screen is Screen.Tap || screen is Screen.Confirm
    val showingTitle = screen is Screen.Main && screen.tab == Tab.SEARCH && state.search.details != null

    BackHandler(enabled = inFlow) { viewModel.cancelFlow() }
    BackHandler(enabled = showingTitle) { viewModel.closeTitle() }
    BackHandler(enabled = screen is Screen.Main && screen.tab != Tab.CARD && !showingTitle) {
        viewModel.selectTab(Tab.CARD)
    }

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(stringResource(titleOf(screen))) },
                navigationIcon = {
                    if (inFlow) {
                        IconButton(onClick = viewModel::cancelFlow) {
                            Icon(Icons.AutoMirrored.Filled.ArrowBack, stringResource(R.string.action_back))
                        }
                    }
                },
                actions = {
                    if (screen is Screen.Main) AccountMenu(viewModel::logout, viewModel::deleteAccount)
                },
            )
        },
        bottomBar = {
            if (screen is Screen.Main) {
                NavigationBar {
                    TabItem(screen.tab, Tab.CARD, R.string.tab_card, viewModel::selectTab) {
                        Icon(Icons.Filled.AccountBox, null)
                    }
                    TabItem(screen.tab, Tab.SEARCH, R.string.tab_search, viewModel::selectTab) {
                        Icon(Icons.Filled.Search, null)
                    }
                    TabItem(screen.tab, Tab.HOLDS, R.string.tab_holds, viewModel::selectTab) {
                        Icon(Icons.AutoMirrored.Filled.List, null)
                    }
                    TabItem(screen.tab, Tab.LOANS, R.string.tab_loans, viewModel::selectTab) {
                        Icon(Icons.Filled.DateRange, null)
                    }
                }
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            if (state.busy) LinearProgressIndicator(modifier = Modifier.fillMaxWidth())
            state.message?.let { MessageBanner(it, viewModel::dismissMessage) }
            if (screen.waitsForCard && nfc != NfcAvailability.ON) NfcBanner(nfc, openNfcSettings)
            Box(Modifier.weight(1f).fillMaxWidth()) {
                when (screen) {
                    Screen.Starting -> CircularProgressIndicator(modifier = Modifier.align(Alignment.Center))
                    Screen.Onboarding ->
                        OnboardingScreen(onRegister = viewModel::startRegistration, onLogin = viewModel::startLogin)
                    is Screen.CheckCard -> CheckCardScreen(screen.mode, state.tapProgress)
                    is Screen.EnterSecret -> SecretScreen(screen, state.busy, viewModel::submitSecrets)
                    is Screen.Tap -> TapScreen(screen.mode, state.tapProgress)
                    is Screen.Confirm -> ConfirmScreen(
                        facts = screen.facts,
                        branches = state.branches,
                        busy = state.busy,
                        onRegister = viewModel::register,
                        onRestart = viewModel::startRegistration,
                    )
                    is Screen.Main -> when (screen.tab) {
                        Tab.CARD -> LibraryCardScreen(state.card, onRetry = viewModel::loadCard)
                        Tab.SEARCH -> SearchScreen(
                            search = state.search,
                            branches = state.branches,
                            homeBranch = state.homeBranch,
                            busy = state.busy,
                            onSearch = viewModel::search,
                            onMore = viewModel::searchMore,
                            onOpen = viewModel::openTitle,
                            onHold = viewModel::placeHold,
                        )
                        Tab.HOLDS -> HoldsScreen(
                            holds = state.holds,
                            branches = state.branches,
                            busy = state.busy,
                            onCancel = viewModel::cancelHold,
                            onSuspend = viewModel::suspendHold,
                            onResume = viewModel::resumeHold,
                            onRefresh = viewModel::loadHolds,
                        )
                        Tab.LOANS -> LoansScreen(
                            loans = state.loans,
                            branches = state.branches,
                            busy = state.busy,
                            onRenew = viewModel::renewLoan,
                            onRefresh = viewModel::loadLoans,
                        )
                    }
                }
            }
        }
    }
}

private fun titleOf(screen: Screen): Int = when (screen) {
    Screen.Starting, Screen.Onboarding -> R.string.app_name
    is Screen.CheckCard, is Screen.EnterSecret, is Screen.Tap ->
        if (flowMode(screen) == Mode.REGISTER) R.string.title_register else R.string.title_login
    is Screen.Confirm -> R.string.title_confirm
    is Screen.Main -> when (screen.tab) {
        Tab.CARD -> R.string.tab_card
        Tab.SEARCH -> R.string.tab_search
        Tab.HOLDS -> R.string.tab_holds
        Tab.LOANS -> R.string.tab_loans
    }
}

private fun flowMode(screen: Screen): Mode? = when (screen) {
    is Screen.CheckCard -> screen.mode
    is Screen.EnterSecret -> screen.mode
    is Screen.Tap -> screen.mode
    else -> null
}

@Composable
private fun RowScope.TabItem(
    current: Tab,
    tab: Tab,
    label: Int,
    onSelect: (Tab) -> Unit,
    icon: @Composable () -> Unit,
) {
    NavigationBarItem(
        selected = current == tab,
        onClick = { onSelect(tab) },
        icon = icon,
        label = { Text(stringResource(label)) },
    )
}

@Composable
private fun AccountMenu(onLogout: () -> Unit, onDelete: () -> Unit) {
    var open by remember { mutableStateOf(false) }
    var confirm by remember { mutableStateOf<Int?>(null) }
    Box {
        IconButton(onClick = { open = true }) {
            Icon(Icons.Filled.MoreVert, stringResource(R.string.action_menu))
        }
        DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
            DropdownMenuItem(
                text = { Text(stringResource(R.string.action_logout)) },
                onClick = { open = false; confirm = R.string.confirm_logout },
            )
            DropdownMenuItem(
                text = { Text(stringResource(R.string.action_delete_account)) },
                onClick = { open = false; confirm = R.string.confirm_delete_account },
            )
        }
    }
    confirm?.let { question ->
        AlertDialog(
            onDismissRequest = { confirm = null },
            text = { Text(stringResource(question)) },
            confirmButton = {
                TextButton(onClick = {
                    confirm = null
                    if (question == R.string.confirm_logout) onLogout() else onDelete()
                }) { Text(stringResource(R.string.action_ok)) }
            },
            dismissButton = {
                TextButton(onClick = { confirm = null }) { Text(stringResource(R.string.action_cancel)) }
            },
        )
    }
}

@Composable
private fun MessageBanner(message: UiMessage, onDismiss: () -> Unit) {
    val resources = LocalContext.current.resources
    val error = message is UiMessage.Failure || (message as? UiMessage.Text)?.error == true
    Card(
        modifier = Modifier.fillMaxWidth().padding(12.dp),
        colors = if (error) {
            CardDefaults.cardColors(
                containerColor = MaterialTheme.colorScheme.errorContainer,
                contentColor = MaterialTheme.colorScheme.onErrorContainer,
            )
        } else {
            CardDefaults.cardColors()
        },
    ) {
        Row(Modifier.padding(start = 16.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(resources.text(message), Modifier.weight(1f).padding(vertical = 12.dp))
            IconButton(onClick = onDismiss) { Icon(Icons.Filled.Close, stringResource(R.string.action_close)) }
        }
    }
}

@Composable
private fun NfcBanner(nfc: NfcAvailability, openNfcSettings: () -> Unit) {
    Card(
        modifier = Modifier.fillMaxWidth().padding(12.dp),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer),
    ) {
        Column(Modifier.padding(16.dp)) {
            Text(
                stringResource(if (nfc == NfcAvailability.OFF) R.string.nfc_off else R.string.nfc_missing),
            )
            if (nfc == NfcAvailability.OFF) {
                TextButton(onClick = openNfcSettings) { Text(stringResource(R.string.action_nfc_settings)) }
            }
        }
    }
}
