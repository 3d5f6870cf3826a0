//! What the mobile-ffi tests share: test vectors and a phone's NFC link
//! played by the virtual card.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use shiori_core::transport::Transport;
use shiori_core::virtual_card::{CardImage, VirtualCard, VirtualCardOptions};
use shiori_ffi::{LinkCapabilities, LinkError, NfcLink};

pub use shiori_test_vectors::card_image as image;

/// Path of a committed test-vector file.
pub fn vector(rel: &str) -> PathBuf {
    shiori_test_vectors::default_dir().join(rel)
}

/// A phone's NFC link, played by the virtual card. Counts the commands that
/// carry a PIN (VERIFY with a body) so tests can prove nothing was sent.
pub struct VirtualLink {
    card: Mutex<VirtualCard>,
    extended: bool,
    commands: Mutex<Vec<Vec<u8>>>,
    /// After this many commands the tag "leaves the field".
    lose_after: Mutex<Option<usize>>,
}

impl VirtualLink {
    pub fn new(image: CardImage, extended: bool) -> Arc<Self> {
        let card = VirtualCard::from_image(image)
            .unwrap()
            .with_options(VirtualCardOptions {
                extended_length: extended,
                chained_responses: false,
            });
        Arc::new(Self {
            card: Mutex::new(card),
            extended,
            commands: Mutex::new(Vec::new()),
            lose_after: Mutex::new(None),
        })
    }

    /// Lose the tag after `n` more commands have been answered.
    pub fn lose_after(&self, n: usize) {
        let sent = self.commands.lock().unwrap().len();
        *self.lose_after.lock().unwrap() = Some(sent + n);
    }

    /// Commands received so far.
    pub fn commands(&self) -> usize {
        self.commands.lock().unwrap().len()
    }

    pub fn pins_sent(&self) -> usize {
        self.secrets_sent().len()
    }

    /// The bodies of the VERIFY commands that carried a secret, in order.
    pub fn secrets_sent(&self) -> Vec<Vec<u8>> {
        self.commands
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.len() > 5 && c[1] == 0x20)
            .map(|c| c[5..5 + usize::from(c[4])].to_vec())
            .collect()
    }
}

impl NfcLink for VirtualLink {
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        let mut commands = self.commands.lock().unwrap();
        if self
            .lose_after
            .lock()
            .unwrap()
            .is_some_and(|n| commands.len() >= n)
        {
            return Err(LinkError::TagLost {
                reason: "Tag was lost.".into(),
            });
        }
        commands.push(command.clone());
        drop(commands);
        self.card
            .lock()
            .unwrap()
            .transmit(&command)
            .map_err(|e| LinkError::Other {
                reason: e.to_string(),
            })
    }

    fn capabilities(&self) -> Result<LinkCapabilities, LinkError> {
        Ok(LinkCapabilities {
            extended_length: self.extended,
            max_transceive: if self.extended { 65_538 } else { 258 },
        })
    }
}

/// A link whose tag is gone before the first APDU.
pub struct LostLink;

impl NfcLink for LostLink {
    fn transmit(&self, _command: Vec<u8>) -> Result<Vec<u8>, LinkError> {
        Err(LinkError::TagLost {
            reason: "Tag was lost.".into(),
        })
    }
    fn capabilities(&self) -> Result<LinkCapabilities, LinkError> {
        Ok(LinkCapabilities {
            extended_length: true,
            max_transceive: 65_538,
        })
    }
}
