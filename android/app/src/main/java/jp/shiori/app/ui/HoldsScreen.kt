package jp.shiori.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.SelectableDates
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.rememberDatePickerState
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
import java.time.LocalDate
import jp.shiori.app.R
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.Hold

@Composable
fun HoldsScreen(
    holds: List<Hold>?,
    branches: List<Branch>,
    busy: Boolean,
    onCancel: (String) -> Unit,
    onSuspend: (id: String, until: LocalDate) -> Unit,
    onResume: (String) -> Unit,
    onRefresh: () -> Unit,
) {
    var cancelling by remember { mutableStateOf<Hold?>(null) }
    var suspending by remember { mutableStateOf<Hold?>(null) }
    when {
        holds == null -> Box(Modifier.fillMaxSize()) {
            CircularProgressIndicator(modifier = Modifier.align(Alignment.Center))
        }
        else -> LazyColumn(Modifier.fillMaxSize()) {
            if (holds.isEmpty()) {
                item { Text(stringResource(R.string.holds_empty), Modifier.padding(16.dp)) }
            }
            items(holds, key = { it.id }) { hold ->
                HoldRow(
                    hold,
                    branches,
                    busy,
                    onCancel = { cancelling = hold },
                    onSuspend = { suspending = hold },
                    onResume = { onResume(hold.id) },
                )
                HorizontalDivider()
            }
            item {
                OutlinedButton(
                    onClick = onRefresh,
                    enabled = !busy,
                    modifier = Modifier.fillMaxWidth().padding(16.dp),
                ) { Text(stringResource(R.string.action_reload)) }
            }
        }
    }
    cancelling?.let { hold ->
        AlertDialog(
            onDismissRequest = { cancelling = null },
            text = { Text(stringResource(R.string.confirm_cancel_hold, hold.title)) },
            confirmButton = {
                TextButton(onClick = {
                    cancelling = null
                    onCancel(hold.id)
                }) { Text(stringResource(R.string.action_cancel_hold)) }
            },
            dismissButton = {
                TextButton(onClick = { cancelling = null }) { Text(stringResource(R.string.action_keep_hold)) }
            },
        )
    }
    suspending?.let { hold ->
        SuspendDialog(
            onDismiss = { suspending = null },
            onPick = { until ->
                suspending = null
                onSuspend(hold.id, until)
            },
        )
    }
}

@Composable
private fun HoldRow(
    hold: Hold,
    branches: List<Branch>,
    busy: Boolean,
    onCancel: () -> Unit,
    onSuspend: () -> Unit,
    onResume: () -> Unit,
) {
    val resources = LocalContext.current.resources
    val suspendedUntil = activeSuspension(hold)
    ListItem(
        headlineContent = { Text(hold.title) },
        overlineContent = { Text(resources.holdStateLabel(hold.state)) },
        supportingContent = {
            Column {
                Text(stringResource(R.string.hold_pickup_at, resources.branchName(hold.pickupBranch, branches)))
                hold.position?.let { Text(stringResource(R.string.hold_position, it.toInt())) }
                hold.pickupDeadline?.let {
                    Text(
                        stringResource(R.string.hold_pickup_deadline, formatDateTime(it)),
                        color = MaterialTheme.colorScheme.primary,
                    )
                }
                if (suspendedUntil != null) {
                    Text(
                        stringResource(R.string.hold_suspended_until, formatDate(suspendedUntil)),
                        color = MaterialTheme.colorScheme.tertiary,
                    )
                }
            }
        },
        trailingContent = {
            Column(horizontalAlignment = Alignment.End) {
                // Only a hold waiting in the queue can be suspended or resumed
                // (the server decides; this only hides the buttons).
                if (hold.state == "queued") {
                    if (suspendedUntil != null) {
                        TextButton(onClick = onResume, enabled = !busy) {
                            Text(stringResource(R.string.action_resume_hold))
                        }
                    } else {
                        TextButton(onClick = onSuspend, enabled = !busy) {
                            Text(stringResource(R.string.action_suspend_hold))
                        }
                    }
                }
                if (isOpenHold(hold.state)) {
                    TextButton(onClick = onCancel, enabled = !busy) {
                        Text(stringResource(R.string.action_cancel_hold))
                    }
                }
            }
        },
    )
}

/**
 * Pick the date a hold is suspended until: a library day (JST) after today
 * and within a year, as the server requires (it checks again: `invalid_date`).
 */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun SuspendDialog(onDismiss: () -> Unit, onPick: (LocalDate) -> Unit) {
    val today = remember { libraryToday() }
    val first = today.plusDays(1)
    val last = today.plusYears(1)
    val state = rememberDatePickerState(
        // Opens on tomorrow's month; the range includes this year, so the
        // current month is valid even on 31 December.
        initialDisplayedMonthMillis = first.toEpochDay() * DAY_MILLIS,
        yearRange = today.year..last.year,
        selectableDates = remember(today) {
            object : SelectableDates {
                override fun isSelectableDate(utcTimeMillis: Long): Boolean =
                    pickerDate(utcTimeMillis).let { !it.isBefore(first) && !it.isAfter(last) }

                override fun isSelectableYear(year: Int): Boolean = year in first.year..last.year
            }
        },
    )
    val picked = state.selectedDateMillis?.let(::pickerDate)
    DatePickerDialog(
        onDismissRequest = onDismiss,
        confirmButton = {
            TextButton(
                onClick = { picked?.let(onPick) },
                enabled = picked != null && !picked.isBefore(first) && !picked.isAfter(last),
            ) { Text(stringResource(R.string.action_suspend_hold)) }
        },
        dismissButton = {
            TextButton(onClick = onDismiss) { Text(stringResource(R.string.action_cancel)) }
        },
    ) {
        DatePicker(
            state = state,
            title = {
                Column(Modifier.padding(start = 24.dp, end = 12.dp, top = 16.dp)) {
                    Text(stringResource(R.string.suspend_title), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(R.string.suspend_note), style = MaterialTheme.typography.bodySmall)
                }
            },
        )
    }
}

/** The DatePicker speaks in UTC midnights: its millis as a calendar date. */
private fun pickerDate(utcTimeMillis: Long): LocalDate =
    LocalDate.ofEpochDay(Math.floorDiv(utcTimeMillis, DAY_MILLIS))

private const val DAY_MILLIS = 86_400_000L
