//! `shiori virtual-card`: serve a virtual My Number Card (a TEST card image
//! from `test-vectors/cards/`) to the local `pcscd` through the vsmartcard
//! vpcd driver, until killed.
//!
//! Once pcscd has powered the card and read its ATR, one line `ready` is
//! printed on stdout, so scripts and tests can wait for it; from then on any
//! PC/SC application (Shiori itself, OpenSC) sees a card in the reader
//! "Virtual PCD 00 00" (port 35963) or "Virtual PCD 00 01" (port 35964).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use shiori_core::virtual_card::VirtualCard;

use crate::messages::Msg;
use crate::ui::{CliError, Ui};
use crate::vpcd::{self, Event, SimulatedCard};

/// Arguments of `shiori virtual-card`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The card image (`test-vectors/cards/<name>.json`).
    #[arg(long, value_name = "PATH")]
    pub card: PathBuf,
    /// The vpcd port: 35963 is reader "Virtual PCD 00 00", 35964 "… 00 01".
    #[arg(long, default_value_t = 35963)]
    pub vpcd_port: u16,
    /// Where vpcd (inside pcscd) listens.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// How long to keep trying to reach vpcd while pcscd starts, in seconds.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub connect_timeout: u64,
}

/// Serve the card until the driver closes the connection or the process is
/// killed. Returns only on failure or when pcscd goes away.
pub fn run(ui: &Ui, args: &Args) -> Result<(), CliError> {
    let (name, mut card) = load_card(&args.card)?;
    let address = format!("{}:{}", args.host, args.vpcd_port);
    let mut stream = vpcd::connect(
        &args.host,
        args.vpcd_port,
        Duration::from_secs(args.connect_timeout),
    )
    .map_err(|e| Msg::VpcdUnreachable {
        address: address.clone(),
        detail: e.to_string(),
    })?;
    ui.say(&Msg::VpcdConnected {
        card: name,
        address,
    });
    let mut announced = false;
    let served = vpcd::serve(&mut stream, &mut card, |event| {
        if event == Event::Ready && !announced {
            announced = true;
            let mut out = std::io::stdout().lock();
            // A closed stdout must not stop the card being served.
            let _ = writeln!(out, "ready").and_then(|()| out.flush());
            ui.say(&Msg::VirtualCardInserted);
        }
    });
    match served {
        Ok(()) => Err(Msg::VpcdClosed.into()),
        Err(e) => Err(Msg::VpcdFailed {
            detail: e.to_string(),
        }
        .into()),
    }
}

/// Load the card image at `path`: its name and the card to serve.
fn load_card(path: &Path) -> Result<(String, VirtualCard), CliError> {
    let card = VirtualCard::load(path).map_err(|e| Msg::card_file(path, e))?;
    Ok((card.name().to_owned(), card))
}

impl SimulatedCard for VirtualCard {
    fn atr(&self) -> Vec<u8> {
        VirtualCard::atr(self)
    }
    fn power_on(&mut self) {
        VirtualCard::power_on(self);
    }
    fn power_off(&mut self) {
        VirtualCard::power_off(self);
    }
    fn reset(&mut self) {
        VirtualCard::reset(self);
    }
    fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        VirtualCard::process_apdu(self, command)
    }
}
