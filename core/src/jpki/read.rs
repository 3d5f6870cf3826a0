//! READ BINARY strategies (docs/card-protocol.md, "Reading a certificate").
//!
//! * Extended length (when the link supports it): one `00 B0 (80|SFI) 00 00 00 00`
//!   reads a whole certificate EF without a SELECT. A `6700` or a link refusal
//!   switches this client to short reads for the rest of the session.
//! * Short APDUs: the first `00 B0 (80|SFI) 00 00` (256 bytes) doubles as the
//!   length probe; it also makes the EF current (ISO 7816-4 §7.2.2), so the
//!   remaining chunks use 15-bit offsets in P1-P2 with no SELECT.
//! * Cards that do not follow §7.2.2 (docs/card-protocol.md, "When a card does
//!   not take SFI reads"): one that answers `6986` to an offset read after a
//!   read by SFI gets a SELECT EF before each file's offset reads; one that
//!   refuses the read by SFI (`6A86`, `6A81`, `6986`) gets SELECT EF and plain
//!   READ BINARY for every file. Either is learnt once and kept on the
//!   [`JpkiCard`] for the session ([`SfiReadMode`]).
//! * `6B00`/`6282` end a file; filler after the DER is trimmed.

use crate::apdu::{Command, Le, StatusWord};
use crate::cert::der_length;
use crate::pin::PinKind;
use crate::transport::{Transport, TransportError};

use super::{fid, JpkiCard, JpkiError};

/// No JPKI certificate EF is larger than this; a card claiming more is lying.
pub const MAX_CERTIFICATE_BYTES: usize = 16 * 1024;

/// How this card takes READ BINARY by short EF identifier, as learnt in this
/// session (docs/card-protocol.md, "When a card does not take SFI reads").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SfiReadMode {
    /// A read by SFI makes the EF current (ISO 7816-4 §7.2.2), so offset reads
    /// follow it with no SELECT. Assumed until the card shows otherwise.
    MakesCurrent,
    /// The card answered `6986` to an offset read that followed a read by SFI:
    /// it leaves the current EF alone. From then on each EF that needs offset
    /// reads is SELECTed (`00 A4 02 0C 02 <FID>`) after its first read;
    /// without that the offset reads would come from the EF SELECTed before.
    SelectBeforeOffsets,
    /// The card refused a read by SFI (`6A86`, `6A81` or `6986`): every EF is
    /// SELECTed by file ID and read with plain READ BINARY from offset 0.
    SelectFirst,
}

/// How one EF is read.
struct Plan<'a> {
    /// Extended-length APDUs.
    extended: bool,
    /// Le of the first read (offset 0).
    first: Le,
    /// The largest later read.
    chunk: usize,
    /// The file's length, from its first chunk.
    length: &'a dyn Fn(&[u8]) -> Result<usize, JpkiError>,
}

/// What one READ BINARY gave.
enum Chunk {
    /// Data (possibly the last of the file).
    Data(Vec<u8>),
    /// End of file (`6B00`, or `6282` with no data).
    End,
    /// Any other status word, for the caller to judge.
    Refused(StatusWord),
}

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
        self.read_ef(
            fid,
            &Plan {
                extended: false,
                first: Le::Max,
                chunk: 256,
                length: &certificate_length,
            },
        )
    }

    /// How this card has shown it takes reads by SFI so far.
    pub fn sfi_read_mode(&self) -> SfiReadMode {
        self.sfi_reads
    }

    fn read_certificate_extended(&mut self, fid: u16) -> Result<Vec<u8>, JpkiError> {
        let max = self
            .transport
            .capabilities()
            .max_transceive
            .saturating_sub(2);
        let chunk = max.clamp(256, 65_536);
        self.read_ef(
            fid,
            &Plan {
                extended: true,
                first: extended_le(chunk),
                chunk,
                length: &certificate_length,
            },
        )
    }

    /// Read a small non-TLV EF (token info, availability) in one short READ
    /// BINARY (after a SELECT EF on a card that refuses reads by SFI). What
    /// the card returned, possibly nothing: the caller's parser judges it.
    pub(super) fn read_fixed(&mut self, fid: u16, len: u32) -> Result<Vec<u8>, JpkiError> {
        self.read_ef(
            fid,
            &Plan {
                extended: false,
                first: Le::Bytes(len),
                chunk: 256,
                length: &|first: &[u8]| Ok(first.len()),
            },
        )
    }

    /// Read one EF: the first chunk at offset 0 (by SFI unless the card
    /// refuses that), then offset reads until `plan.length` bytes are in.
    fn read_ef(&mut self, fid: u16, plan: &Plan<'_>) -> Result<Vec<u8>, JpkiError> {
        let mut selected = self.sfi_reads == SfiReadMode::SelectFirst;
        let mut data = if selected {
            self.select_for_read(fid)?;
            self.read_first_plain(fid, plan)?
        } else {
            let first = Command::new(0x00, 0xB0, 0x80 | sfi(fid), 0).with_le(plan.first);
            match self.read_chunk(&first, plan.extended)? {
                Chunk::Data(d) => d,
                Chunk::End => Vec::new(),
                Chunk::Refused(sw) if refuses_sfi_read(sw) => {
                    self.sfi_reads = SfiReadMode::SelectFirst;
                    self.select_for_read(fid)?;
                    selected = true;
                    self.read_first_plain(fid, plan)?
                }
                Chunk::Refused(sw) => return Err(status_error(fid, sw)),
            }
        };
        let total = (plan.length)(&data)?;
        while data.len() < total {
            if !selected && self.sfi_reads == SfiReadMode::SelectBeforeOffsets {
                self.select_for_read(fid)?;
                selected = true;
            }
            let n = (total - data.len()).min(plan.chunk);
            let le = if plan.extended {
                extended_le(n)
            } else {
                Le::Bytes(n as u32)
            };
            match self.read_chunk(&offset_read(data.len(), le), plan.extended)? {
                Chunk::Data(more) if !more.is_empty() => data.extend_from_slice(&more),
                Chunk::Data(_) | Chunk::End => return Err(truncated(data.len(), total)),
                // The read by SFI did not make the EF current: select it and
                // remember, so the next file is SELECTed before its offset
                // reads instead of reading this one's bytes.
                Chunk::Refused(StatusWord::CommandNotAllowed) if !selected => {
                    self.sfi_reads = SfiReadMode::SelectBeforeOffsets;
                    self.select_for_read(fid)?;
                    selected = true;
                }
                Chunk::Refused(sw) => return Err(status_error(fid, sw)),
            }
        }
        data.truncate(total);
        Ok(data)
    }

    /// The first chunk of a SELECTed EF, by a plain READ BINARY at offset 0.
    fn read_first_plain(&mut self, fid: u16, plan: &Plan<'_>) -> Result<Vec<u8>, JpkiError> {
        match self.read_chunk(&offset_read(0, plan.first), plan.extended)? {
            Chunk::Data(d) => Ok(d),
            Chunk::End => Ok(Vec::new()),
            Chunk::Refused(sw) => Err(status_error(fid, sw)),
        }
    }

    /// SELECT EF by file ID before plain reads.
    fn select_for_read(&mut self, f: u16) -> Result<(), JpkiError> {
        match self.select_ef(f)? {
            StatusWord::Success => Ok(()),
            StatusWord::FileNotFound if f == fid::SIGNING_CERT => {
                Err(JpkiError::NoSigningCertificate)
            }
            sw => Err(JpkiError::UnexpectedStatus {
                command: "SELECT EF",
                sw,
            }),
        }
    }

    /// One READ BINARY.
    fn read_chunk(&mut self, cmd: &Command, extended: bool) -> Result<Chunk, JpkiError> {
        let r = self.call(cmd, extended)?;
        Ok(match r.sw {
            StatusWord::Success => Chunk::Data(r.data),
            StatusWord::EndOfFileWarning if !r.data.is_empty() => Chunk::Data(r.data),
            StatusWord::EndOfFileWarning | StatusWord::WrongOffset => Chunk::End,
            sw => Chunk::Refused(sw),
        })
    }
}

/// The answers of a card that does not take READ BINARY by SFI: `6A86`
/// (P1 not understood), `6A81` (function not supported), `6986` (no current
/// EF: the SFI was ignored).
fn refuses_sfi_read(sw: StatusWord) -> bool {
    matches!(
        sw,
        StatusWord::IncorrectP1P2
            | StatusWord::FunctionNotSupported
            | StatusWord::CommandNotAllowed
    )
}

fn sfi(f: u16) -> u8 {
    // Every JPKI FID is in 0001..001E (jpki-facts §1); callers pass constants.
    fid::sfi(f).unwrap_or(0)
}

fn extended_le(n: usize) -> Le {
    if n >= 65_536 {
        Le::Max
    } else {
        Le::Bytes(n as u32)
    }
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

#[cfg(test)]
mod tests {
    //! Scripted conversations with cards that do not take reads by SFI as
    //! ISO 7816-4 says: every command the client sends is checked.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::transcript::{Exchange, Replay, Transcript};

    const AP: &str = "00A4040C0AD392F000260100000001";

    /// A fake certificate EF: a DER header claiming 300 content bytes, then
    /// `fill`, so bytes spliced in from another file are easy to spot.
    fn file(fill: u8) -> Vec<u8> {
        let mut f = vec![0x30, 0x82, 0x01, 0x2C];
        f.resize(304, fill);
        f
    }

    fn ok(data: &[u8]) -> String {
        format!("{}9000", hex::encode_upper(data))
    }

    fn script(extended: bool, pairs: &[(&str, String)]) -> Replay {
        let mut exchanges = vec![Exchange {
            command: AP.into(),
            response: "9000".into(),
        }];
        exchanges.extend(pairs.iter().map(|(c, r)| Exchange {
            command: (*c).into(),
            response: r.clone(),
        }));
        Replay::new(Transcript {
            description: "scripted".into(),
            extended_length: extended,
            exchanges,
        })
    }

    #[test]
    fn a_card_that_leaves_the_current_ef_gets_a_select_before_each_files_offset_reads() {
        let (a, b) = (file(0xAA), file(0xBB));
        let mut card = JpkiCard::open(script(
            false,
            &[
                ("00B0810000", ok(&a[..256])),
                ("00B0010030", "6986".into()),
                ("00A4020C020001", "9000".into()),
                ("00B0010030", ok(&a[256..])),
                // The second file: the card still has 0001 current, so its
                // offset reads would return 0001's bytes without a SELECT.
                ("00B08A0000", ok(&b[..256])),
                ("00A4020C02000A", "9000".into()),
                ("00B0010030", ok(&b[256..])),
            ],
        ))
        .unwrap();
        assert_eq!(card.read_certificate(fid::SIGNING_CERT).unwrap(), a);
        assert_eq!(card.read_certificate(fid::AUTH_CERT).unwrap(), b);
        assert_eq!(card.apdu_count(), 8);
    }

    #[test]
    fn a_card_that_refuses_sfi_reads_gets_select_and_plain_reads_for_the_session() {
        for sw in ["6A86", "6A81", "6986"] {
            let (a, b) = (file(0xAA), file(0xBB));
            let mut card = JpkiCard::open(script(
                false,
                &[
                    ("00B0860000", sw.into()),
                    ("00A4020C020006", "9000".into()),
                    ("00B0000000", ok(b"JPKIAPICCTOKEN2")),
                    // Remembered: later files go straight to SELECT.
                    ("00A4020C020001", "9000".into()),
                    ("00B0000000", ok(&a[..256])),
                    ("00B0010030", ok(&a[256..])),
                    ("00A4020C02000A", "9000".into()),
                    ("00B0000000", ok(&b[..256])),
                    ("00B0010030", ok(&b[256..])),
                ],
            ))
            .unwrap();
            assert_eq!(card.read_fixed(fid::TOKEN_INFO, 256).unwrap().len(), 15);
            assert_eq!(card.read_certificate(fid::SIGNING_CERT).unwrap(), a, "{sw}");
            assert_eq!(card.read_certificate(fid::AUTH_CERT).unwrap(), b, "{sw}");
            assert_eq!(card.apdu_count(), 10, "{sw}");
        }
    }

    #[test]
    fn extended_reads_on_a_card_that_refuses_sfi_reads_select_then_read_whole() {
        let (a, b) = (file(0xAA), file(0xBB));
        let mut card = JpkiCard::open(script(
            true,
            &[
                ("00B08100000000", "6A86".into()),
                ("00A4020C020001", "9000".into()),
                ("00B00000000000", ok(&a)),
                ("00A4020C02000A", "9000".into()),
                ("00B00000000000", ok(&b)),
            ],
        ))
        .unwrap();
        assert_eq!(card.read_certificate(fid::SIGNING_CERT).unwrap(), a);
        assert_eq!(card.read_certificate(fid::AUTH_CERT).unwrap(), b);
        assert!(card.uses_extended_length());
    }

    #[test]
    fn a_failing_select_ef_is_a_typed_error() {
        let mut card = JpkiCard::open(script(
            false,
            &[
                ("00B0810000", "6A86".into()),
                ("00A4020C020001", "6A82".into()),
            ],
        ))
        .unwrap();
        assert_eq!(
            card.read_certificate(fid::SIGNING_CERT).unwrap_err(),
            JpkiError::NoSigningCertificate
        );
    }

    #[test]
    fn an_empty_token_info_is_reported_as_token_info() {
        for answer in ["6B00", "9000"] {
            let mut card = JpkiCard::open(script(false, &[("00B08600A0", answer.into())])).unwrap();
            match card.token_info().unwrap_err() {
                JpkiError::MalformedResponse { what, .. } => {
                    assert_eq!(what, "token info (EF 0006)", "{answer}")
                }
                e => panic!("{answer}: {e:?}"),
            }
        }
    }
}
