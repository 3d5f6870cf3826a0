//! Recording and replaying APDU conversations.
//!
//! [`Recorder`] wraps any transport and keeps each command/response pair as
//! hex. The body of a VERIFY that carries a PIN is masked (`****`), so a
//! transcript never contains a secret. [`Replay`] is a transport that answers
//! from a recorded [`Transcript`] and fails on the first command that differs
//! (a masked body matches any body of the same length): unit tests run the real
//! client code against recorded card behaviour with no card at all.

use serde::{Deserialize, Serialize};

use crate::transport::{LinkCapabilities, Transport, TransportError};

/// One command and the card's answer, as upper-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    /// The command APDU (PIN bodies masked with `*`).
    pub command: String,
    /// The response APDU, status word included.
    pub response: String,
}

/// A recorded conversation (`test-vectors/transcripts/*.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// What flow this is, for humans.
    pub description: String,
    /// The link's capabilities during recording.
    pub extended_length: bool,
    /// The exchanges in order.
    pub exchanges: Vec<Exchange>,
}

/// Hex of a command with any PIN body masked.
pub fn masked_hex(command: &[u8]) -> String {
    let is_verify_with_pin = command.len() > 5 && command[1] == 0x20;
    let is_change_pin = command.len() > 5 && command[1] == 0x24;
    if is_verify_with_pin || is_change_pin {
        format!(
            "{}{}",
            hex::encode_upper(&command[..5]),
            "*".repeat(2 * (command.len() - 5))
        )
    } else {
        hex::encode_upper(command)
    }
}

/// A transport wrapper that records every exchange.
pub struct Recorder<T: Transport> {
    inner: T,
    /// What has been exchanged so far.
    pub exchanges: Vec<Exchange>,
}

impl<T: Transport> Recorder<T> {
    /// Start recording on `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            exchanges: Vec::new(),
        }
    }

    /// Finish: the transcript and the inner transport.
    pub fn finish(self, description: impl Into<String>) -> (Transcript, T) {
        let t = Transcript {
            description: description.into(),
            extended_length: self.inner.capabilities().extended_length,
            exchanges: self.exchanges,
        };
        (t, self.inner)
    }
}

impl<T: Transport> Transport for Recorder<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command)?;
        self.exchanges.push(Exchange {
            command: masked_hex(command),
            response: hex::encode_upper(&r),
        });
        Ok(r)
    }
    fn capabilities(&self) -> LinkCapabilities {
        self.inner.capabilities()
    }
}

/// A transport that answers from a transcript, checking every command.
pub struct Replay {
    transcript: Transcript,
    position: usize,
}

impl Replay {
    /// Replay `transcript` from the start.
    pub fn new(transcript: Transcript) -> Self {
        Self {
            transcript,
            position: 0,
        }
    }

    /// Whether every recorded exchange has been used.
    pub fn is_finished(&self) -> bool {
        self.position == self.transcript.exchanges.len()
    }
}

fn matches(expected: &str, actual: &str) -> bool {
    match expected.find('*') {
        None => expected == actual,
        Some(i) => expected.len() == actual.len() && expected[..i] == actual[..i],
    }
}

impl Transport for Replay {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let actual = hex::encode_upper(command);
        let Some(e) = self.transcript.exchanges.get(self.position) else {
            return Err(TransportError::Link(format!(
                "transcript ended; unexpected command {}",
                masked_hex(command)
            )));
        };
        if !matches(&e.command, &actual) {
            return Err(TransportError::Link(format!(
                "transcript mismatch at #{}: expected {}, got {}",
                self.position,
                e.command,
                masked_hex(command)
            )));
        }
        self.position += 1;
        hex::decode(&e.response).map_err(|_| TransportError::Link("bad hex in transcript".into()))
    }

    fn capabilities(&self) -> LinkCapabilities {
        if self.transcript.extended_length {
            LinkCapabilities::EXTENDED
        } else {
            LinkCapabilities::SHORT_ONLY
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_pins_only() {
        assert_eq!(
            masked_hex(&[0, 0x20, 0, 0x98, 4, 0x31, 0x32, 0x33, 0x34]),
            "0020009804********"
        );
        assert_eq!(masked_hex(&[0, 0x20, 0, 0x98]), "00200098");
        assert_eq!(masked_hex(&[0, 0xB0, 0x8A, 0, 0]), "00B08A0000");
    }

    #[test]
    fn masked_commands_match_same_length_only() {
        assert!(matches("0020009804********", "002000980431323334"));
        assert!(!matches("0020009804********", "00200098053132333435"));
        assert!(!matches("0020009804********", "002000980531323334"));
    }
}
