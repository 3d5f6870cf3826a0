//! [`JpkiCard`]: a transport with the JPKI AP selected.

use crate::apdu::{Command, Response};
use crate::exchange::exchange;
use crate::transport::Transport;

use super::{JpkiError, SfiReadMode};

/// A My Number Card whose JPKI application has been selected.
///
/// Created by [`JpkiCard::open`], which SELECTs the AP by its full AID (never by
/// ATR). The card's security state (verified PINs) lives as long as this
/// connection; a lost link loses it.
pub struct JpkiCard<T: Transport> {
    pub(super) transport: T,
    /// Extended-length APDUs still look usable on this link. Cleared after the
    /// first `6700` or link refusal, so later reads go short at once.
    pub(super) extended: bool,
    /// How the card takes READ BINARY by SFI, learnt from its answers
    /// (docs/card-protocol.md, "When a card does not take SFI reads").
    pub(super) sfi_reads: SfiReadMode,
    /// APDUs sent so far (GET RESPONSE included), for benchmarks and tests.
    pub(super) apdus: usize,
}

impl<T: Transport> JpkiCard<T> {
    /// Select the JPKI AP on `transport`. A card without it is
    /// [`JpkiError::NotMyNumberCard`].
    pub fn open(transport: T) -> Result<Self, JpkiError> {
        let extended = transport.capabilities().extended_length;
        let mut card = Self {
            transport,
            extended,
            sfi_reads: SfiReadMode::MakesCurrent,
            apdus: 0,
        };
        card.select_ap()?;
        Ok(card)
    }

    /// Give the transport back (e.g. to hand the card to another client).
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// How many APDUs have been sent through this client.
    pub fn apdu_count(&self) -> usize {
        self.apdus
    }

    /// Whether reads still use extended length.
    pub fn uses_extended_length(&self) -> bool {
        self.extended
    }

    /// Send one command through the central exchange.
    pub(super) fn call(
        &mut self,
        command: &Command,
        extended: bool,
    ) -> Result<Response, JpkiError> {
        let mut counting = Counting {
            inner: &mut self.transport,
            count: &mut self.apdus,
        };
        Ok(exchange(&mut counting, command, extended)?)
    }
}

/// Counts transmits, including GET RESPONSE and re-sends.
struct Counting<'a, T: Transport> {
    inner: &'a mut T,
    count: &'a mut usize,
}

impl<T: Transport> Transport for Counting<'_, T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, crate::TransportError> {
        *self.count += 1;
        self.inner.transmit(command)
    }
    fn capabilities(&self) -> crate::LinkCapabilities {
        self.inner.capabilities()
    }
}
