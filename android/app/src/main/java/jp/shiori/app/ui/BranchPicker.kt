package jp.shiori.app.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.ArrowDropDown
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import jp.shiori.app.R
import uniffi.shiori_ffi.Branch

/** A branch chooser: a button showing the choice, opening a menu of [branches]. */
@Composable
fun BranchPicker(
    label: String,
    branches: List<Branch>,
    selected: String?,
    onSelect: (String?) -> Unit,
    allowNone: Boolean = false,
) {
    val resources = LocalContext.current.resources
    var open by remember { mutableStateOf(false) }
    Column(Modifier.fillMaxWidth()) {
        Text(label, style = MaterialTheme.typography.labelMedium)
        Box {
            OutlinedButton(
                onClick = { open = true },
                enabled = branches.isNotEmpty(),
                modifier = Modifier.fillMaxWidth(),
            ) {
                Text(
                    if (selected == null) stringResource(R.string.branch_none)
                    else resources.branchName(selected, branches),
                    modifier = Modifier.weight(1f),
                )
                Icon(Icons.Filled.ArrowDropDown, null)
            }
            DropdownMenu(expanded = open, onDismissRequest = { open = false }) {
                if (allowNone) {
                    DropdownMenuItem(
                        text = { Text(stringResource(R.string.branch_none)) },
                        onClick = { open = false; onSelect(null) },
                    )
                }
                branches.forEach { branch ->
                    DropdownMenuItem(
                        text = { Text(resources.branchName(branch.code, branches)) },
                        onClick = { open = false; onSelect(branch.code) },
                    )
                }
            }
        }
    }
}
