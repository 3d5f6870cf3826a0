//! The one place where command APDUs meet the transport.
//!
//! [`exchange`] encodes a [`Command`], transmits it, and handles the two
//! transport-level status words centrally, so no caller ever sees them:
//!
//! * `61xx` — more data waits: fetch it with GET RESPONSE (`00 C0 00 00 xx`)
//!   and append, until the card answers something else. Bounded by
//!   [`MAX_GET_RESPONSES`] and [`MAX_RESPONSE_BYTES`] so a hostile card that
//!   answers `61xx` forever ends in an error, not a hang.
//! * `6Cxx` — wrong Le: re-send once with Le = `xx`. Never for a command that
//!   carries a PIN: a PIN is sent at most once per call, whatever the card says.

use zeroize::Zeroizing;

use crate::apdu::{Command, CommandError, Le, Response, ResponseError, StatusWord};
use crate::transport::{Transport, TransportError};

/// At most this many GET RESPONSE commands follow one command.
pub const MAX_GET_RESPONSES: usize = 300;
/// At most this many response bytes are gathered for one command.
pub const MAX_RESPONSE_BYTES: usize = 70_000;

/// What can go wrong in one exchange, below the meaning of the command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// The link failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The command could not be encoded.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The card's answer had no status word.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The card kept asking for GET RESPONSE, or sent more data than any JPKI
    /// file holds.
    #[error("the card sent an endless or oversized response ({bytes} bytes after {rounds} GET RESPONSE)")]
    ResponseTooLong {
        /// GET RESPONSE commands sent.
        rounds: usize,
        /// Bytes gathered.
        bytes: usize,
    },
    /// The card answered `6Cxx` twice, or to a command carrying a PIN.
    #[error("the card asked to re-send with another length ({0}) where that is not allowed")]
    UnexpectedWrongLe(StatusWord),
}

/// Send `command` (in extended form when `extended`), following `61xx` and `6Cxx`.
pub fn exchange(
    transport: &mut dyn Transport,
    command: &Command,
    extended: bool,
) -> Result<Response, ExchangeError> {
    let mut response = transmit_once(transport, command, extended)?;
    if let StatusWord::WrongLe(n) = response.sw {
        if command.secret {
            return Err(ExchangeError::UnexpectedWrongLe(response.sw));
        }
        let le = if n == 0 { Le::Max } else { Le::Bytes(n.into()) };
        let resend = command.clone().with_le(le);
        response = transmit_once(transport, &resend, extended)?;
        if let StatusWord::WrongLe(_) = response.sw {
            return Err(ExchangeError::UnexpectedWrongLe(response.sw));
        }
    }
    let mut rounds = 0;
    while let StatusWord::BytesAvailable(n) = response.sw {
        rounds += 1;
        if rounds > MAX_GET_RESPONSES || response.data.len() > MAX_RESPONSE_BYTES {
            return Err(ExchangeError::ResponseTooLong {
                rounds,
                bytes: response.data.len(),
            });
        }
        let le = if n == 0 { Le::Max } else { Le::Bytes(n.into()) };
        let get = Command::new(command.cla & 0x03, 0xC0, 0, 0).with_le(le);
        let next = transmit_once(transport, &get, false)?;
        response.data.extend_from_slice(&next.data);
        response.sw = next.sw;
    }
    if response.data.len() > MAX_RESPONSE_BYTES {
        return Err(ExchangeError::ResponseTooLong {
            rounds,
            bytes: response.data.len(),
        });
    }
    Ok(response)
}

fn transmit_once(
    transport: &mut dyn Transport,
    command: &Command,
    extended: bool,
) -> Result<Response, ExchangeError> {
    let bytes = Zeroizing::new(command.encode(extended)?);
    let raw = transport.transmit(&bytes)?;
    Ok(Response::parse(&raw)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::LinkCapabilities;

    /// A card that answers from a script and records what it was sent.
    struct Scripted {
        answers: Vec<Vec<u8>>,
        sent: Vec<Vec<u8>>,
        repeat_last: bool,
    }

    impl Transport for Scripted {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            if self.answers.len() > 1 || !self.repeat_last {
                if self.answers.is_empty() {
                    return Err(TransportError::CardLost("script ended".into()));
                }
                Ok(self.answers.remove(0))
            } else {
                Ok(self.answers[0].clone())
            }
        }
        fn capabilities(&self) -> LinkCapabilities {
            LinkCapabilities::SHORT_ONLY
        }
    }

    fn scripted(answers: &[&[u8]], repeat_last: bool) -> Scripted {
        Scripted {
            answers: answers.iter().map(|a| a.to_vec()).collect(),
            sent: Vec::new(),
            repeat_last,
        }
    }

    #[test]
    fn follows_61xx_with_get_response() {
        let mut t = scripted(
            &[&[0x61, 0x03], &[1, 2, 3, 0x61, 0x02], &[4, 5, 0x90, 0x00]],
            false,
        );
        let cmd = Command::new(0x80, 0x2A, 0, 0x80)
            .with_data(vec![9])
            .with_le(Le::Max);
        let r = exchange(&mut t, &cmd, false).unwrap();
        assert_eq!(r.data, vec![1, 2, 3, 4, 5]);
        assert_eq!(r.sw, StatusWord::Success);
        assert_eq!(t.sent[1], vec![0x00, 0xC0, 0, 0, 3]);
        assert_eq!(t.sent[2], vec![0x00, 0xC0, 0, 0, 2]);
    }

    #[test]
    fn resends_on_6cxx_once() {
        let mut t = scripted(&[&[0x6C, 0x10], &[7; 0x12]], false);
        let mut last = t.answers[1].clone();
        last.truncate(0x10);
        last.extend_from_slice(&[0x90, 0]);
        t.answers[1] = last;
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(Le::Max);
        let r = exchange(&mut t, &cmd, false).unwrap();
        assert_eq!(r.data.len(), 0x10);
        assert_eq!(t.sent[1], vec![0, 0xB0, 0, 0, 0x10]);
    }

    #[test]
    fn endless_61xx_ends_in_an_error() {
        let mut t = scripted(&[&[0xAA, 0x61, 0x00]], true);
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(Le::Max);
        let e = exchange(&mut t, &cmd, false).unwrap_err();
        assert!(matches!(e, ExchangeError::ResponseTooLong { .. }), "{e:?}");
        assert!(t.sent.len() <= MAX_GET_RESPONSES + 1);
    }

    #[test]
    fn repeated_6cxx_is_an_error() {
        let mut t = scripted(&[&[0x6C, 0x10]], true);
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(Le::Max);
        assert!(matches!(
            exchange(&mut t, &cmd, false),
            Err(ExchangeError::UnexpectedWrongLe(_))
        ));
        assert_eq!(t.sent.len(), 2);
    }

    #[test]
    fn a_pin_is_never_resent() {
        let mut t = scripted(&[&[0x6C, 0x00]], true);
        let cmd = Command::new(0, 0x20, 0, 0x80)
            .with_data(b"1234".to_vec())
            .secret();
        assert!(exchange(&mut t, &cmd, false).is_err());
        assert_eq!(t.sent.len(), 1, "the PIN went out once only");
    }

    #[test]
    fn short_answer_is_an_error() {
        let mut t = scripted(&[&[0x90]], false);
        let cmd = Command::new(0, 0xA4, 4, 0x0C).with_data(vec![1]);
        assert!(matches!(
            exchange(&mut t, &cmd, false),
            Err(ExchangeError::Response(_))
        ));
    }
}
