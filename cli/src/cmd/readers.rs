//! `shiori readers`: the PC/SC readers and whether each holds a card.

use shiori_core::pcsc;

use crate::messages::Msg;
use crate::ui::{CliError, Ui};

/// List the readers on stdout.
pub fn run(ui: &Ui) -> Result<(), CliError> {
    let readers = pcsc::list_readers()?;
    if ui.json {
        let list: Vec<_> = readers
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "card_present": r.card_present,
                    "atr": r.atr.as_ref().map(hex::encode_upper),
                })
            })
            .collect();
        ui.print_json(&serde_json::json!({ "readers": list }));
        return Ok(());
    }
    if readers.is_empty() {
        return Err(Msg::NoReaders.into());
    }
    println!(
        "{}",
        ui.text(&Msg::ReadersHeading {
            count: readers.len()
        })
    );
    for reader in &readers {
        println!(
            "  {}\t{}",
            reader.name,
            ui.text(&Msg::CardPresent(reader.card_present))
        );
    }
    Ok(())
}
