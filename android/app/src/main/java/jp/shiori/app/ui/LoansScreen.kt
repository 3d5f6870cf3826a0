package jp.shiori.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.ListItemDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import jp.shiori.app.R
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.Loan

/**
 * The patron's loans, due first (the server's order). Renewal rules (limit,
 * other patrons' holds, overdue copies) are the server's: a refusal shows its
 * reason in the message banner.
 */
@Composable
fun LoansScreen(
    loans: List<Loan>?,
    branches: List<Branch>,
    busy: Boolean,
    onRenew: (String) -> Unit,
    onRefresh: () -> Unit,
) {
    when {
        loans == null -> Box(Modifier.fillMaxSize()) {
            CircularProgressIndicator(modifier = Modifier.align(Alignment.Center))
        }
        else -> LazyColumn(Modifier.fillMaxSize()) {
            if (loans.isEmpty()) {
                item { Text(stringResource(R.string.loans_empty), Modifier.padding(16.dp)) }
            }
            items(loans, key = { it.id }) { loan ->
                LoanRow(loan, branches, busy, onRenew = { onRenew(loan.id) })
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
}

@Composable
private fun LoanRow(loan: Loan, branches: List<Branch>, busy: Boolean, onRenew: () -> Unit) {
    val resources = LocalContext.current.resources
    val due = stringResource(R.string.loan_due, formatLibraryDate(loan.dueAt))
    ListItem(
        headlineContent = { Text(loan.title) },
        overlineContent = {
            if (loan.overdue) {
                Text(stringResource(R.string.loan_overdue, due), fontWeight = FontWeight.Bold)
            } else {
                Text(due)
            }
        },
        supportingContent = {
            Column {
                Text(stringResource(R.string.loan_branch, resources.branchName(loan.branch, branches)))
                Text(stringResource(R.string.loan_renewals, loan.renewals.toInt()))
            }
        },
        trailingContent = {
            TextButton(onClick = onRenew, enabled = !busy) {
                Text(stringResource(R.string.action_renew_loan))
            }
        },
        // Overdue: the whole row in the error colours, not only a red word.
        colors = if (loan.overdue) {
            val on = MaterialTheme.colorScheme.onErrorContainer
            ListItemDefaults.colors(
                containerColor = MaterialTheme.colorScheme.errorContainer,
                headlineColor = on,
                overlineColor = on,
                supportingColor = on,
            )
        } else {
            ListItemDefaults.colors()
        },
    )
}
