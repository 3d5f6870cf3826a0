//! Shared helpers for the card-client integration tests.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

use shiori_core::transport::{LinkCapabilities, Transport, TransportError};
use shiori_core::virtual_card::{CardImage, VirtualCard, VirtualCardOptions};

/// Path of a committed test-vector file.
pub fn vector(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors")
        .join(rel)
}

/// Load a card image by name.
pub fn image(name: &str) -> CardImage {
    let text = std::fs::read_to_string(vector(&format!("cards/{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A virtual card by name with options.
pub fn card(name: &str, options: VirtualCardOptions) -> VirtualCard {
    VirtualCard::from_image(image(name))
        .unwrap()
        .with_options(options)
}

/// Extended length, plain responses.
pub const EXT: VirtualCardOptions = VirtualCardOptions {
    extended_length: true,
    chained_responses: false,
};

/// Short APDUs only.
pub const SHORT: VirtualCardOptions = VirtualCardOptions {
    extended_length: false,
    chained_responses: false,
};

/// Counts every command and the ones that carry a PIN.
pub struct Spy<T: Transport> {
    /// The wrapped link.
    pub inner: T,
    /// Every command sent.
    pub commands: Vec<Vec<u8>>,
    /// Fail with CardLost from this command index on.
    pub lose_after: Option<usize>,
    /// Claim extended length whatever the inner link says.
    pub claim_extended: bool,
    /// Report this `max_transceive` (a phone link smaller than a certificate).
    pub max_transceive: Option<usize>,
}

impl<T: Transport> Spy<T> {
    /// Wrap a link.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            commands: Vec::new(),
            lose_after: None,
            claim_extended: false,
            max_transceive: None,
        }
    }

    /// VERIFY commands that carried a PIN body.
    pub fn pins_sent(&self) -> usize {
        self.commands
            .iter()
            .filter(|c| c.len() > 5 && c[1] == 0x20)
            .count()
    }
}

impl<T: Transport> Transport for Spy<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.lose_after.is_some_and(|n| self.commands.len() >= n) {
            return Err(TransportError::CardLost("tag lost".into()));
        }
        self.commands.push(command.to_vec());
        self.inner.transmit(command)
    }
    fn capabilities(&self) -> LinkCapabilities {
        let mut c = if self.claim_extended {
            LinkCapabilities::EXTENDED
        } else {
            self.inner.capabilities()
        };
        if let Some(max) = self.max_transceive {
            c.max_transceive = max;
        }
        c
    }
}

/// A fixed challenge for tests.
pub fn register_request() -> shiori_core::proof::ProofRequest {
    shiori_core::proof::ProofRequest::new(
        shiori_core::proof::ProofPurpose::Register,
        "https://library.example.jp",
        vec![0x5A; 32],
    )
    .unwrap()
}

/// A fixed login challenge for tests.
pub fn login_request() -> shiori_core::proof::ProofRequest {
    shiori_core::proof::ProofRequest::new(
        shiori_core::proof::ProofPurpose::Login,
        "https://library.example.jp",
        vec![0xA5; 32],
    )
    .unwrap()
}
