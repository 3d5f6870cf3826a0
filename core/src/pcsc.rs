//! Desktop card readers through PC/SC (`pcscd` on Linux, the smart-card
//! service on Windows and macOS).
//!
//! [`PcscTransport`] is one backend behind the [`Transport`] trait: it sends
//! each command APDU unchanged with `SCardTransmit` and hands back the raw
//! response. Everything above it — status words, `61xx`/`6Cxx`, the JPKI flows —
//! lives in the protocol modules and does not know a PC/SC reader is involved.
//!
//! * [`list_readers`] answers "which readers are there, and which hold a card".
//! * [`wait_for_card`] and [`wait_for_removal`] block on
//!   `SCardGetStatusChange` until a card arrives or leaves, or a deadline
//!   passes (no polling loop, no sleeps).
//! * [`PcscTransport::connect`] / [`PcscTransport::connect_first_with_card`]
//!   open the card in shared mode so other applications (OpenSC, a browser's
//!   PKCS#11 module) can still use the reader.
//! * [`PcscTransport::transaction`] holds a PC/SC transaction for one flow
//!   (SELECT → VERIFY → READ → SIGN), so no other application's APDUs can slip
//!   in between a VERIFY and the signature it unlocks.
//!
//! Extended length: most CCID readers carry extended APDUs, so the transport
//! reports `extended_length: true` by default. The JPKI client falls back to
//! short reads when the card answers `6700` or the link refuses the command;
//! [`PcscTransport::short_only`] forces short APDUs for readers known to
//! mishandle extended ones (and for testing the fallback).

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};

use crate::transport::{LinkCapabilities, Transport, TransportError};

/// Why a PC/SC operation other than a transmit failed: finding readers,
/// waiting for a card, connecting.
///
/// Each variant names a situation a person at the desk can act on (start the
/// service, plug in the reader, put the card on it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PcscError {
    /// The PC/SC service is not running or cannot be reached (`pcscd` stopped).
    #[error("the smart-card service (pcscd) is not running: {0}")]
    ServiceUnavailable(String),
    /// The service runs but no reader is connected.
    #[error("no card reader is connected")]
    NoReaders,
    /// The reader asked for by name does not exist.
    #[error("card reader {0:?} was not found")]
    ReaderNotFound(String),
    /// No reader (or not the named one) holds a card.
    #[error("no card is in the reader")]
    NoCard,
    /// No card arrived before the deadline.
    #[error("no card was presented within {0:?}")]
    Timeout(Duration),
    /// The card was removed or reset while connecting.
    #[error("the card was removed or reset: {0}")]
    CardLost(String),
    /// Any other PC/SC failure, with the operation that failed.
    #[error("PC/SC {operation} failed: {error}")]
    Pcsc {
        /// What was being done (`"SCardConnect"`, …).
        operation: &'static str,
        /// The PC/SC error text.
        error: String,
    },
}

impl PcscError {
    fn from_pcsc(operation: &'static str, error: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match error {
            E::NoService | E::ServiceStopped | E::Shutdown => {
                PcscError::ServiceUnavailable(error.to_string())
            }
            E::NoReadersAvailable => PcscError::NoReaders,
            E::NoSmartcard => PcscError::NoCard,
            E::Timeout => PcscError::Timeout(Duration::ZERO),
            E::RemovedCard | E::ResetCard | E::UnpoweredCard | E::UnresponsiveCard => {
                PcscError::CardLost(error.to_string())
            }
            other => PcscError::Pcsc {
                operation,
                error: other.to_string(),
            },
        }
    }
}

impl From<PcscError> for TransportError {
    fn from(error: PcscError) -> Self {
        match error {
            PcscError::NoCard | PcscError::CardLost(_) => {
                TransportError::CardLost(error.to_string())
            }
            PcscError::Timeout(_) => TransportError::Timeout(error.to_string()),
            other => TransportError::Link(other.to_string()),
        }
    }
}

/// One reader as PC/SC reports it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    /// The reader's name, as given to [`PcscTransport::connect`].
    pub name: String,
    /// A card is in the reader (or on it, for a contactless reader) and
    /// answered reset.
    pub card_present: bool,
    /// The card's ATR when one is present. Shown for diagnostics only: Shiori
    /// recognises a My Number Card by selecting its JPKI application, never by
    /// ATR (ATRs differ per batch and reader).
    pub atr: Option<Vec<u8>>,
}

fn establish() -> Result<Context, PcscError> {
    Context::establish(Scope::User).map_err(|e| PcscError::from_pcsc("SCardEstablishContext", e))
}

fn reader_names(context: &Context) -> Result<Vec<CString>, PcscError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(PcscError::from_pcsc("SCardListReaders", e)),
    }
}

/// Current states of the given readers, without waiting.
fn current_states(context: &Context, names: &[CString]) -> Result<Vec<ReaderState>, PcscError> {
    let mut states: Vec<ReaderState> = names
        .iter()
        .map(|n| ReaderState::new(n.clone(), State::UNAWARE))
        .collect();
    if states.is_empty() {
        return Ok(states);
    }
    context
        .get_status_change(Duration::ZERO, &mut states)
        .map_err(|e| PcscError::from_pcsc("SCardGetStatusChange", e))?;
    Ok(states)
}

fn has_usable_card(state: &ReaderState) -> bool {
    let s = state.event_state();
    s.contains(State::PRESENT) && !s.contains(State::MUTE)
}

fn info(state: &ReaderState) -> ReaderInfo {
    let card_present = has_usable_card(state);
    ReaderInfo {
        name: state.name().to_string_lossy().into_owned(),
        card_present,
        atr: card_present.then(|| state.atr().to_vec()),
    }
}

/// The readers PC/SC knows and whether each holds a card. An empty list means
/// the service runs but no reader is plugged in.
pub fn list_readers() -> Result<Vec<ReaderInfo>, PcscError> {
    let context = establish()?;
    let names = reader_names(&context)?;
    Ok(current_states(&context, &names)?.iter().map(info).collect())
}

/// Wait until a card is in `reader` (or in any reader when `None`) and return
/// the reader's name.
///
/// Blocks in `SCardGetStatusChange`, which also wakes when readers are plugged
/// in, and gives up with [`PcscError::Timeout`] at `timeout`.
pub fn wait_for_card(reader: Option<&str>, timeout: Duration) -> Result<String, PcscError> {
    let context = establish()?;
    let deadline = Instant::now() + timeout;
    loop {
        let names = reader_names(&context)?;
        let watched: Vec<CString> = names
            .into_iter()
            .filter(|n| reader.is_none_or(|want| n.to_bytes() == want.as_bytes()))
            .collect();
        let mut states = current_states(&context, &watched)?;
        if let Some(found) = states.iter().find(|s| has_usable_card(s)) {
            return Ok(found.name().to_string_lossy().into_owned());
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(PcscError::Timeout(timeout));
        }
        for state in &mut states {
            state.sync_current_state();
        }
        // Also wake when a reader appears or disappears, so a reader plugged
        // in (or vpcd's slot created) while waiting is picked up.
        let mut pnp = ReaderState::new(pcsc::PNP_NOTIFICATION(), State::UNAWARE);
        context
            .get_status_change(Duration::ZERO, std::slice::from_mut(&mut pnp))
            .map_err(|e| PcscError::from_pcsc("SCardGetStatusChange", e))?;
        pnp.sync_current_state();
        states.push(pnp);
        match context.get_status_change(remaining, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(pcsc::Error::UnknownReader) => {}
            Err(e) => return Err(PcscError::from_pcsc("SCardGetStatusChange", e)),
        }
    }
}

/// Wait until `reader` holds no card (it was taken away, or a virtual card
/// disconnected), up to `timeout`.
pub fn wait_for_removal(reader: &str, timeout: Duration) -> Result<(), PcscError> {
    let context = establish()?;
    let name = CString::new(reader).map_err(|_| PcscError::ReaderNotFound(reader.to_owned()))?;
    let deadline = Instant::now() + timeout;
    let mut states = [ReaderState::new(name, State::UNAWARE)];
    loop {
        match context.get_status_change(Duration::ZERO, &mut states) {
            Ok(()) => {}
            Err(pcsc::Error::UnknownReader) => {
                return Err(PcscError::ReaderNotFound(reader.to_owned()))
            }
            Err(e) => return Err(PcscError::from_pcsc("SCardGetStatusChange", e)),
        }
        if !states[0].event_state().contains(State::PRESENT) {
            return Ok(());
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(PcscError::Timeout(timeout));
        }
        states[0].sync_current_state();
        match context.get_status_change(remaining, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(e) => return Err(PcscError::from_pcsc("SCardGetStatusChange", e)),
        }
        states[0] = ReaderState::new(states[0].name().to_owned(), State::UNAWARE);
    }
}

/// A command encoded in extended form: `CLA INS P1 P2 00 …` with at least an
/// extended Le (`00 hi lo`). A short case-2 command is 5 bytes and a short
/// body never has Lc = 00, so this is unambiguous.
fn is_extended(command: &[u8]) -> bool {
    command.len() >= 7 && command[4] == 0
}

fn transmit_error(error: pcsc::Error, command: &[u8]) -> TransportError {
    use pcsc::Error as E;
    let text = error.to_string();
    match error {
        E::RemovedCard
        | E::ResetCard
        | E::NoSmartcard
        | E::UnpoweredCard
        | E::UnresponsiveCard
        | E::InvalidHandle => TransportError::CardLost(text),
        E::Timeout | E::WaitedTooLong => TransportError::Timeout(text),
        // Readers without extended-length support refuse such commands in
        // different ways; report all of them as "cannot carry this command" so
        // the JPKI client falls back to short reads.
        E::InsufficientBuffer
        | E::InvalidParameter
        | E::InvalidValue
        | E::NotTransacted
        | E::CommError
        | E::UnsupportedFeature
            if is_extended(command) =>
        {
            TransportError::Unsupported(text)
        }
        _ => TransportError::Link(text),
    }
}

fn transmit_on(
    card: &pcsc::Card,
    buffer: &mut [u8],
    capabilities: LinkCapabilities,
    command: &[u8],
) -> Result<Vec<u8>, TransportError> {
    if !capabilities.extended_length && is_extended(command) {
        return Err(TransportError::Unsupported(
            "this reader is set to short APDUs only".into(),
        ));
    }
    match card.transmit(command, buffer) {
        // A response without even a status word: the card went away mid-command
        // (vpcd reports a vanished virtual card this way).
        Ok([]) => Err(TransportError::CardLost(
            "the reader returned an empty response".into(),
        )),
        Ok(response) => Ok(response.to_vec()),
        Err(e) => Err(transmit_error(e, command)),
    }
}

/// A connection to the card in one PC/SC reader.
///
/// Shared mode: other applications may use the same reader between our
/// commands. Wrap a flow that must not be interleaved in
/// [`PcscTransport::transaction`].
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    capabilities: LinkCapabilities,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// Connect to the card in the reader called `reader` (as listed by
    /// [`list_readers`]).
    pub fn connect(reader: &str) -> Result<Self, PcscError> {
        let context = establish()?;
        let names = reader_names(&context)?;
        if names.is_empty() {
            return Err(PcscError::NoReaders);
        }
        let name = names
            .into_iter()
            .find(|n| n.to_bytes() == reader.as_bytes())
            .ok_or_else(|| PcscError::ReaderNotFound(reader.to_owned()))?;
        Self::connect_with(&context, name)
    }

    /// Connect to the card in the first reader that holds one.
    pub fn connect_first_with_card() -> Result<Self, PcscError> {
        let context = establish()?;
        let names = reader_names(&context)?;
        if names.is_empty() {
            return Err(PcscError::NoReaders);
        }
        let states = current_states(&context, &names)?;
        let state = states
            .iter()
            .find(|s| has_usable_card(s))
            .ok_or(PcscError::NoCard)?;
        Self::connect_with(&context, state.name().to_owned())
    }

    /// Connect to `reader` if given, else to the first reader with a card.
    pub fn open(reader: Option<&str>) -> Result<Self, PcscError> {
        match reader {
            Some(name) => Self::connect(name),
            None => Self::connect_first_with_card(),
        }
    }

    fn connect_with(context: &Context, name: CString) -> Result<Self, PcscError> {
        let card = context
            .connect(&name, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| PcscError::from_pcsc("SCardConnect", e))?;
        Ok(Self {
            card,
            reader: name.to_string_lossy().into_owned(),
            capabilities: LinkCapabilities::EXTENDED,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    /// Send only short APDUs: extended commands fail with
    /// [`TransportError::Unsupported`] without reaching the reader, and
    /// [`Transport::capabilities`] says so, so the JPKI client reads in
    /// 256-byte steps. For readers that mishandle extended length.
    pub fn short_only(mut self) -> Self {
        self.capabilities = LinkCapabilities::SHORT_ONLY;
        self
    }

    /// The name of the reader this transport is connected through.
    pub fn reader_name(&self) -> &str {
        &self.reader
    }

    /// The card's ATR, for diagnostics (never used to recognise the card).
    pub fn atr(&self) -> Result<Vec<u8>, PcscError> {
        self.card
            .status2_owned()
            .map(|s| s.atr().to_vec())
            .map_err(|e| PcscError::from_pcsc("SCardStatus", e))
    }

    /// Begin a PC/SC transaction: until the returned guard is dropped, no other
    /// application's APDUs reach this card. Use one per flow (registration,
    /// login) so the security state set by VERIFY is only used by us.
    pub fn transaction(&mut self) -> Result<PcscTransaction<'_>, TransportError> {
        let capabilities = self.capabilities;
        let Self { card, buffer, .. } = self;
        let transaction = card.transaction().map_err(|e| transmit_error(e, &[]))?;
        Ok(PcscTransaction {
            transaction,
            buffer,
            capabilities,
        })
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.card, &mut self.buffer, self.capabilities, command)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.capabilities
    }
}

/// A PC/SC transaction on a [`PcscTransport`]; itself a [`Transport`]. The
/// transaction ends (leaving the card powered and its state intact) when this
/// is dropped.
pub struct PcscTransaction<'a> {
    transaction: pcsc::Transaction<'a>,
    buffer: &'a mut Vec<u8>,
    capabilities: LinkCapabilities,
}

impl std::fmt::Debug for PcscTransaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransaction")
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

impl Transport for PcscTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit_on(&self.transaction, self.buffer, self.capabilities, command)
    }

    fn capabilities(&self) -> LinkCapabilities {
        self.capabilities
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_detection() {
        // Short case 1, 2, 3, 4.
        assert!(!is_extended(&[0, 0x20, 0, 0x80]));
        assert!(!is_extended(&[0, 0xB0, 0, 0, 0]));
        assert!(!is_extended(&[0, 0xA4, 4, 0x0C, 2, 0x3F, 0]));
        assert!(!is_extended(&[0x80, 0x2A, 0, 0x80, 1, 0xAA, 0]));
        // Extended case 2 and 3.
        assert!(is_extended(&[0, 0xB0, 0, 0, 0, 0, 0]));
        assert!(is_extended(&[0, 0xD6, 0, 0, 0, 0x01, 0x00, 0xAA]));
    }

    #[test]
    fn card_errors_mean_card_lost() {
        for e in [pcsc::Error::RemovedCard, pcsc::Error::ResetCard] {
            assert!(matches!(
                transmit_error(e, &[0, 0xA4, 4, 0x0C]),
                TransportError::CardLost(_)
            ));
        }
        assert!(matches!(
            transmit_error(pcsc::Error::Timeout, &[0, 0xB0, 0, 0, 0]),
            TransportError::Timeout(_)
        ));
    }

    #[test]
    fn refused_extended_command_is_unsupported() {
        let extended_read = [0, 0xB0, 0, 0, 0, 0, 0];
        assert!(matches!(
            transmit_error(pcsc::Error::InsufficientBuffer, &extended_read),
            TransportError::Unsupported(_)
        ));
        // The same error on a short command is a plain link error.
        assert!(matches!(
            transmit_error(pcsc::Error::CommError, &[0, 0xB0, 0, 0, 0]),
            TransportError::Link(_)
        ));
    }

    #[test]
    fn service_errors_are_named() {
        assert_eq!(
            PcscError::from_pcsc("SCardListReaders", pcsc::Error::NoReadersAvailable),
            PcscError::NoReaders
        );
        assert!(matches!(
            PcscError::from_pcsc("SCardEstablishContext", pcsc::Error::NoService),
            PcscError::ServiceUnavailable(_)
        ));
        assert!(matches!(
            TransportError::from(PcscError::NoCard),
            TransportError::CardLost(_)
        ));
    }
}
