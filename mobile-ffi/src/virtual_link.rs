//! A test card for the foreign-language tests (feature `virtual-card`): the
//! virtual card behind an exported object whose methods mirror [`NfcLink`].
//! The Kotlin test wraps it in its own `NfcLink` implementation, so every
//! APDU crosses the boundary twice, as on a phone.

use std::path::Path;
use std::sync::{Arc, Mutex};

use shiori_core::transport::Transport;
use shiori_core::virtual_card::{VirtualCard, VirtualCardOptions};

use crate::{LinkCapabilities, LinkError};

/// The virtual card as an NFC link. Test images only (`test_only: true`).
#[derive(Debug, uniffi::Object)]
pub struct VirtualCardLink {
    card: Mutex<VirtualCard>,
    extended_length: bool,
}

#[uniffi::export]
impl VirtualCardLink {
    /// Load `test-vectors/cards/<name>.json`, optionally with a different
    /// number of tries left on the signing password or the auth PIN.
    #[uniffi::constructor]
    pub fn load(
        path: String,
        extended_length: bool,
        signing_tries_left: Option<u8>,
        auth_tries_left: Option<u8>,
    ) -> Result<Arc<Self>, LinkError> {
        let other = |e: String| LinkError::Other { reason: e };
        let text = std::fs::read_to_string(Path::new(&path)).map_err(|e| other(e.to_string()))?;
        let mut image: shiori_core::virtual_card::CardImage =
            serde_json::from_str(&text).map_err(|e| other(e.to_string()))?;
        if let Some(n) = signing_tries_left {
            image.signing_tries_left = n;
        }
        if let Some(n) = auth_tries_left {
            image.auth_tries_left = n;
        }
        let card = VirtualCard::from_image(image)
            .map_err(|e| other(e.to_string()))?
            .with_options(VirtualCardOptions {
                extended_length,
                chained_responses: false,
            });
        Ok(Arc::new(Self {
            card: Mutex::new(card),
            extended_length,
        }))
    }

    /// Same contract as [`NfcLink::transmit`](crate::NfcLink::transmit).
    pub fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut card = self.card.lock().map_err(|_| LinkError::Other {
            reason: "virtual card lock poisoned".into(),
        })?;
        card.transmit(&command).map_err(|e| LinkError::Other {
            reason: e.to_string(),
        })
    }

    /// Same contract as [`NfcLink::capabilities`](crate::NfcLink::capabilities).
    pub fn capabilities(&self) -> LinkCapabilities {
        LinkCapabilities {
            extended_length: self.extended_length,
            max_transceive: if self.extended_length { 65_538 } else { 258 },
        }
    }
}
