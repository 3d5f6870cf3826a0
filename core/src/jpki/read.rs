//! READ BINARY strategies (docs/card-protocol.md, "Reading a certificate").
//!
//! * Extended length (when the link supports it): one `00 B0 (80|SFI) 00 00 00 00`
//!   reads a whole certificate EF without a SELECT. A `6700` or a link refusal
//!   switches this client to short reads for the rest of the session.
//! * Short APDUs: the first `00 B0 (80|SFI) 00 00` (256 bytes) doubles as the
//!   length probe; it also makes the EF current (ISO 7816-4 §7.2.2), so the
//!   remaining chunks use 15-bit offsets in P1-P2 with no SELECT.
//! * `6B00`/`6282` end a file; filler after the DER is trimmed.

use crate::apdu::{Command, Le, StatusWord};
use crate::cert::der_length;
use crate::pin::PinKind;
use crate::transport::{Transport, TransportError};

use super::{fid, JpkiCard, JpkiError};

/// No JPKI certificate EF is larger than this; a card claiming more is lying.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;

impl<T: Transport> JpkiCard<T> {
    /// Read a certificate EF and return its DER, filler trimmed.
    ///
    /// The signing certificate (`0001`) needs the signing password first
    /// ([`JpkiError::PinRequired`] otherwise).
    pub fn read_certificate(&mut self, fid: u16) -> Result<Vec<u8>, JpkiError> {
        if self.extended {
            match self.read_certificate_extended(fid) {
                Err(JpkiError::Transport(
                    TransportError::Unsupported(_) | TransportError::Link(_),
                ))
                | Err(JpkiError::UnexpectedStatus {
                    sw: StatusWord::WrongLength,
                    ..
                }) => self.extended = false,
                other => return other,
            }
        }
        self.read_certificate_short(fid)
    }

    fn read_certificate_extended(&mut self, fid: u16) -> Result<Vec<u8>, JpkiError> {
        let max = self
            .transport
            .capabilities()
            .max_transceive
            .saturating_sub(2);
        let chunk = max.clamp(256, 65_536);
        let le = |n: usize| {
            if n >= 65_536 {
                Le::Max
            } else {
                Le::Bytes(n as u32)
            }
        };
        let first = Command::new(0x00, 0xB0, 0x80 | sfi(fid), 0).with_le(le(chunk));
        let mut data = self.read_chunk(fid, &first, true)?.unwrap_or_default();
        let total = certificate_length(&data)?;
        while data.len() < total {
            let n = (total - data.len()).min(chunk);
            let cmd = offset_read(data.len(), le(n));
            match self.read_chunk(fid, &cmd, true)? {
                Some(more) if !more.is_empty() => data.extend_from_slice(&more),
                _ => return Err(truncated(data.len(), total)),
            }
        }
        data.truncate(total);
        Ok(data)
    }

    fn read_certificate_short(&mut self, fid: u16) -> Result<Vec<u8>, JpkiError> {
        let first = Command::new(0x00, 0xB0, 0x80 | sfi(fid), 0).with_le(Le::Max);
        let mut data = self.read_chunk(fid, &first, false)?.unwrap_or_default();
        let total = certificate_length(&data)?;
        let mut selected = false;
        while data.len() < total {
            let n = (total - data.len()).min(256);
            let cmd = offset_read(data.len(), Le::Bytes(n as u32));
            match self.read_chunk(fid, &cmd, false) {
                Ok(Some(more)) if !more.is_empty() => data.extend_from_slice(&more),
                Ok(_) => return Err(truncated(data.len(), total)),
                // A card that did not make the EF current on the SFI read:
                // select it once and carry on.
                Err(JpkiError::UnexpectedStatus {
                    sw: StatusWord::CommandNotAllowed,
                    ..
                }) if !selected => {
                    selected = true;
                    match self.select_ef(fid)? {
                        StatusWord::Success => {}
                        sw => return Err(status_error(fid, sw)),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        data.truncate(total);
        Ok(data)
    }

    /// Read a small non-TLV EF (token info, availability) in one short APDU.
    pub(super) fn read_fixed(&mut self, fid: u16, len: u32) -> Result<Vec<u8>, JpkiError> {
        let cmd = Command::new(0x00, 0xB0, 0x80 | sfi(fid), 0).with_le(Le::Bytes(len));
        self.read_chunk(fid, &cmd, false)?
            .ok_or_else(|| truncated(0, len as usize))
    }

    /// One READ BINARY. `Ok(None)` is end of file.
    fn read_chunk(
        &mut self,
        fid: u16,
        cmd: &Command,
        extended: bool,
    ) -> Result<Option<Vec<u8>>, JpkiError> {
        let r = self.call(cmd, extended)?;
        match r.sw {
            StatusWord::Success => Ok(Some(r.data)),
            StatusWord::EndOfFileWarning if !r.data.is_empty() => Ok(Some(r.data)),
            StatusWord::EndOfFileWarning | StatusWord::WrongOffset => Ok(None),
            sw => Err(status_error(fid, sw)),
        }
    }
}

fn sfi(f: u16) -> u8 {
    // Every JPKI FID is in 0001..001E (jpki-facts §1); callers pass constants.
    fid::sfi(f).unwrap_or(0)
}

fn offset_read(offset: usize, le: Le) -> Command {
    let [hi, lo] = (offset as u16 & 0x7FFF).to_be_bytes();
    Command::new(0x00, 0xB0, hi, lo).with_le(le)
}

fn certificate_length(first: &[u8]) -> Result<usize, JpkiError> {
    let total = der_length(first).map_err(|e| JpkiError::MalformedResponse {
        what: "certificate file",
        detail: e.to_string(),
    })?;
    if total > MAX_CERTIFICATE_BYTES {
        return Err(JpkiError::MalformedResponse {
            what: "certificate file",
            detail: format!("claims {total} bytes, more than any JPKI certificate"),
        });
    }
    Ok(total)
}

fn truncated(got: usize, want: usize) -> JpkiError {
    JpkiError::MalformedResponse {
        what: "certificate file",
        detail: format!("file ended after {got} of {want} bytes"),
    }
}

/// Map a READ BINARY / SELECT status word to the error a resident can act on.
pub(super) fn status_error(f: u16, sw: StatusWord) -> JpkiError {
    match (f, sw) {
        (fid::SIGNING_CERT, StatusWord::SecurityStatusNotSatisfied) => {
            JpkiError::PinRequired(PinKind::Signing)
        }
        (_, StatusWord::SecurityStatusNotSatisfied) => JpkiError::PinRequired(PinKind::Auth),
        (fid::SIGNING_CERT, StatusWord::FileNotFound) => JpkiError::NoSigningCertificate,
        (_, sw) => JpkiError::UnexpectedStatus {
            command: "READ BINARY",
            sw,
        },
    }
}
