package jp.shiori.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.unit.dp
import jp.shiori.app.R
import uniffi.shiori_ffi.Branch
import uniffi.shiori_ffi.TitleDetails
import uniffi.shiori_ffi.TitleSummary

@Composable
fun SearchScreen(
    search: SearchState,
    branches: List<Branch>,
    homeBranch: String?,
    busy: Boolean,
    onSearch: (String) -> Unit,
    onMore: () -> Unit,
    onOpen: (Long) -> Unit,
    onHold: (titleId: Long, pickupBranch: String) -> Unit,
) {
    val details = search.details
    if (details != null) {
        TitleDetailsView(details, branches, homeBranch, busy, onHold)
        return
    }
    var query by rememberSaveable { mutableStateOf(search.query) }
    Column(Modifier.fillMaxSize()) {
        OutlinedTextField(
            value = query,
            onValueChange = { query = it },
            label = { Text(stringResource(R.string.search_hint)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
            keyboardActions = KeyboardActions(onSearch = { onSearch(query) }),
            modifier = Modifier.fillMaxWidth().padding(16.dp),
        )
        if (search.searched) {
            Text(
                stringResource(R.string.search_total, search.total),
                style = MaterialTheme.typography.labelLarge,
                modifier = Modifier.padding(horizontal = 16.dp),
            )
        }
        LazyColumn(Modifier.fillMaxSize()) {
            items(search.results, key = { it.id }) { title ->
                TitleRow(title, onClick = { onOpen(title.id) })
                HorizontalDivider()
            }
            if (search.results.size < search.total) {
                item {
                    OutlinedButton(
                        onClick = onMore,
                        enabled = !busy,
                        modifier = Modifier.fillMaxWidth().padding(16.dp),
                    ) { Text(stringResource(R.string.action_more)) }
                }
            }
        }
    }
}

@Composable
private fun TitleRow(title: TitleSummary, onClick: () -> Unit) {
    ListItem(
        headlineContent = { Text(title.title) },
        supportingContent = {
            Column {
                if (title.authors.isNotEmpty()) Text(title.authors.joinToString("、"))
                Text(availability(title))
            }
        },
        modifier = Modifier.clickable(onClick = onClick),
    )
}

@Composable
private fun availability(title: TitleSummary): String =
    if (title.available > 0u) {
        stringResource(R.string.search_available, title.available.toInt(), title.copies.toInt())
    } else {
        stringResource(R.string.search_unavailable, title.copies.toInt(), title.holds.toInt())
    }

@Composable
private fun TitleDetailsView(
    details: TitleDetails,
    branches: List<Branch>,
    homeBranch: String?,
    busy: Boolean,
    onHold: (titleId: Long, pickupBranch: String) -> Unit,
) {
    val resources = LocalContext.current.resources
    val summary = details.summary
    var pickup by rememberSaveable(summary.id) {
        mutableStateOf(homeBranch ?: branches.firstOrNull()?.code)
    }
    Page {
        Text(summary.title, style = MaterialTheme.typography.headlineSmall)
        if (summary.authors.isNotEmpty()) Text(summary.authors.joinToString("、"))
        val published = listOfNotNull(summary.publisher, summary.year?.toString()).joinToString(" ")
        if (published.isNotEmpty()) Text(published, style = MaterialTheme.typography.bodyMedium)
        summary.isbn?.let { Text("ISBN $it", style = MaterialTheme.typography.bodySmall) }
        if (details.subjects.isNotEmpty()) {
            Text(details.subjects.joinToString(" / "), style = MaterialTheme.typography.bodySmall)
        }
        Text(availability(summary), style = MaterialTheme.typography.titleMedium)

        Text(stringResource(R.string.details_copies), style = MaterialTheme.typography.titleMedium)
        Card(Modifier.fillMaxWidth()) {
            Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                if (details.items.isEmpty()) Text(stringResource(R.string.details_no_copies))
                details.items.forEach { item ->
                    val place = listOfNotNull(resources.branchName(item.branch, branches), item.shelf)
                        .joinToString(" · ")
                    Text("$place — ${resources.itemStatusLabel(item.status)}")
                }
            }
        }

        BranchPicker(
            label = stringResource(R.string.details_pickup_branch),
            branches = branches,
            selected = pickup,
            onSelect = { pickup = it },
        )
        Button(
            onClick = { pickup?.let { onHold(summary.id, it) } },
            enabled = pickup != null && !busy,
            modifier = Modifier.fillMaxWidth(),
        ) { Text(stringResource(R.string.action_place_hold)) }
    }
}
