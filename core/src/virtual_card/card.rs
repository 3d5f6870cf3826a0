//! The virtual card's state machine.

use std::collections::BTreeMap;
use std::path::Path;

use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use zeroize::Zeroizing;

use super::image::CardImage;
use super::parse::{parse_command, ParsedCommand};
use crate::apdu::{Response, StatusWord};
use crate::jpki::{fid, JPKI_AID};
use crate::transport::{LinkCapabilities, Transport, TransportError};

/// Why a card image could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum VirtualCardError {
    /// The file could not be read.
    #[error("cannot read card image {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The JSON does not describe a card image.
    #[error("card image is not valid: {0}")]
    Format(String),
    /// The image is not marked `test_only`.
    #[error("card image is not marked test_only; refusing to load keys that might be real")]
    NotTestOnly,
}

/// How the virtual card (and its direct link) behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VirtualCardOptions {
    /// Answer extended-length commands (else `6700`, like a card or link that
    /// lacks them).
    pub extended_length: bool,
    /// Return data through `61xx` + GET RESPONSE, like a T=0 contact reader.
    pub chained_responses: bool,
}

impl Default for VirtualCardOptions {
    fn default() -> Self {
        Self {
            extended_length: true,
            chained_responses: false,
        }
    }
}

/// How the card treats READ BINARY by short EF identifier (`00 B0 (80|SFI) ..`).
///
/// Cards differ here (docs/card-protocol.md, "When a card does not take SFI
/// reads"); these switches let tests and benches model each behaviour the
/// client must cope with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SfiReads {
    /// ISO 7816-4 §7.2.2: a command naming an EF by SFI makes it current, so
    /// the following plain READ BINARY (15-bit offset) continues in it.
    #[default]
    MakeCurrent,
    /// The read by SFI works but leaves the current EF as it was: a later
    /// plain READ BINARY reads the EF SELECTed last, or answers `6986` when
    /// none is.
    LeaveCurrent,
    /// READ BINARY by SFI is refused with this status word (`6A86`, `6A81` or
    /// `6986`); SELECT EF by file ID and plain READ BINARY work. VERIFY and
    /// COMPUTE DIGITAL SIGNATURE by SFI (P2 `80|SFI`) still work.
    Refused(StatusWord),
}

struct PinCounter {
    secret: Zeroizing<Vec<u8>>,
    tries_left: u8,
    max: u8,
}

/// A software My Number Card. Also a [`Transport`] to itself.
pub struct VirtualCard {
    name: String,
    atr: Vec<u8>,
    files: BTreeMap<u16, Vec<u8>>,
    auth_key: RsaPrivateKey,
    signing_key: Option<RsaPrivateKey>,
    auth_pin: PinCounter,
    signing_pin: Option<PinCounter>,
    options: VirtualCardOptions,
    sfi_reads: SfiReads,
    // Volatile state, lost on reset / power-off / re-select.
    powered: bool,
    ap_selected: bool,
    current_ef: Option<u16>,
    auth_verified: bool,
    signing_verified: bool,
    pending: Vec<u8>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("name", &self.name)
            .field("options", &self.options)
            .field("sfi_reads", &self.sfi_reads)
            .finish_non_exhaustive()
    }
}

impl VirtualCard {
    /// Load `test-vectors/cards/<name>.json`.
    pub fn load(path: &Path) -> Result<Self, VirtualCardError> {
        let text = std::fs::read_to_string(path).map_err(|source| VirtualCardError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let image: CardImage =
            serde_json::from_str(&text).map_err(|e| VirtualCardError::Format(e.to_string()))?;
        Self::from_image(image)
    }

    /// Build a card from an image. The card starts powered, nothing selected.
    pub fn from_image(image: CardImage) -> Result<Self, VirtualCardError> {
        if !image.test_only {
            return Err(VirtualCardError::NotTestOnly);
        }
        let bad = |what: &str| VirtualCardError::Format(what.to_string());
        let mut files = BTreeMap::new();
        for (k, v) in &image.files {
            let f = u16::from_str_radix(k, 16).map_err(|_| bad("file id is not hex"))?;
            files.insert(
                f,
                hex::decode(v).map_err(|_| bad("file content is not hex"))?,
            );
        }
        let key = |h: &str| -> Result<RsaPrivateKey, VirtualCardError> {
            let der = Zeroizing::new(hex::decode(h).map_err(|_| bad("key is not hex"))?);
            RsaPrivateKey::from_pkcs8_der(&der).map_err(|e| VirtualCardError::Format(e.to_string()))
        };
        let pin = |s: &str, tries: u8, max: u8| PinCounter {
            secret: Zeroizing::new(s.as_bytes().to_vec()),
            tries_left: tries.min(max),
            max,
        };
        let signing_pin = match (&image.signing_key_pkcs8, &image.signing_password) {
            (Some(_), Some(p)) => Some(pin(p, image.signing_tries_left, 5)),
            (None, None) => None,
            _ => {
                return Err(bad(
                    "signing key and password must both be present or absent",
                ))
            }
        };
        Ok(Self {
            name: image.name.clone(),
            atr: hex::decode(&image.atr).map_err(|_| bad("ATR is not hex"))?,
            files,
            auth_key: key(&image.auth_key_pkcs8)?,
            signing_key: image.signing_key_pkcs8.as_deref().map(key).transpose()?,
            auth_pin: pin(&image.auth_pin, image.auth_tries_left, 3),
            signing_pin,
            options: VirtualCardOptions::default(),
            sfi_reads: SfiReads::default(),
            powered: true,
            ap_selected: false,
            current_ef: None,
            auth_verified: false,
            signing_verified: false,
            pending: Vec::new(),
        })
    }

    /// Change how the card behaves.
    pub fn with_options(mut self, options: VirtualCardOptions) -> Self {
        self.options = options;
        self
    }

    /// Change how the card treats commands that name an EF by SFI.
    pub fn with_sfi_reads(mut self, sfi_reads: SfiReads) -> Self {
        self.sfi_reads = sfi_reads;
        self
    }

    /// The card image's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ATR the card presents (only PC/SC stacks look at it).
    pub fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    /// Power the card on (cold reset).
    pub fn power_on(&mut self) {
        self.reset();
        self.powered = true;
    }

    /// Power the card off: volatile state is lost.
    pub fn power_off(&mut self) {
        self.reset();
        self.powered = false;
    }

    /// Warm reset: the security state and selection are lost; PIN counters stay.
    pub fn reset(&mut self) {
        self.ap_selected = false;
        self.current_ef = None;
        self.auth_verified = false;
        self.signing_verified = false;
        self.pending.clear();
    }

    /// Tries left on the auth PIN and the signing password (for tests).
    pub fn tries_left(&self) -> (u8, Option<u8>) {
        (
            self.auth_pin.tries_left,
            self.signing_pin.as_ref().map(|p| p.tries_left),
        )
    }

    /// Process one command APDU and return the response bytes (data + SW).
    pub fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
        if !self.powered {
            return Response::status(StatusWord::Other(0x6F, 0x00)).to_bytes();
        }
        let r = match parse_command(command) {
            None => Response::status(StatusWord::WrongLength),
            Some(c) if c.extended && !self.options.extended_length => {
                Response::status(StatusWord::WrongLength)
            }
            Some(c) if (c.cla, c.ins) == (0x00, 0xC0) => self.get_response(&c),
            Some(c) => {
                let r = self.dispatch(&c);
                self.chain(r)
            }
        };
        r.to_bytes()
    }

    fn chain(&mut self, r: Response) -> Response {
        if !self.options.chained_responses || r.data.is_empty() {
            return r;
        }
        self.pending = r.data;
        let n = self.pending.len().min(256);
        Response::status(StatusWord::BytesAvailable(n as u8))
    }

    fn dispatch(&mut self, c: &ParsedCommand) -> Response {
        use StatusWord as Sw;
        let r = match (c.cla, c.ins) {
            (0x00, 0xA4) => self.select(c),
            (0x00, 0xB0) => self.read_binary(c),
            (0x00, 0x20) => self.verify(c),
            (0x80, 0x2A) => self.sign(c),
            (0x00 | 0x80, _) => Err(Sw::InsNotSupported),
            _ => Err(Sw::ClaNotSupported),
        };
        self.pending.clear();
        r.unwrap_or_else(Response::status)
    }

    fn get_response(&mut self, c: &ParsedCommand) -> Response {
        if self.pending.is_empty() {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let n = c.ne.min(self.pending.len());
        let data: Vec<u8> = self.pending.drain(..n).collect();
        let sw = match self.pending.len() {
            0 => StatusWord::Success,
            left => StatusWord::BytesAvailable(left.min(256) as u8),
        };
        Response { data, sw }
    }

    fn select(&mut self, c: &ParsedCommand) -> Result<Response, StatusWord> {
        match (c.p1, c.p2) {
            (0x04, 0x0C) => {
                // A re-select logs out, even of the same AP.
                self.reset();
                if c.data == JPKI_AID {
                    self.ap_selected = true;
                    Ok(Response::status(StatusWord::Success))
                } else {
                    Err(StatusWord::FileNotFound)
                }
            }
            (0x02, 0x0C) if self.ap_selected => {
                let f = match c.data.as_slice() {
                    [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                    _ => return Err(StatusWord::WrongLength),
                };
                if self.exists(f) {
                    self.current_ef = Some(f);
                    Ok(Response::status(StatusWord::Success))
                } else {
                    Err(StatusWord::FileNotFound)
                }
            }
            (0x00, 0x00) if self.ap_selected => Ok(Response::status(StatusWord::Success)),
            (0x02, 0x0C) => Err(StatusWord::FileNotFound),
            _ => Err(StatusWord::IncorrectP1P2),
        }
    }

    fn exists(&self, f: u16) -> bool {
        match f {
            fid::AUTH_KEY | fid::AUTH_PIN => true,
            fid::SIGNING_KEY | fid::SIGNING_PIN => self.signing_pin.is_some(),
            f => self.files.contains_key(&f),
        }
    }

    /// The EF a command names: by SFI in P1/P2 (`80|SFI`), or the current EF
    /// when the SFI bits are zero (`P2 = 80` in VERIFY means "the current EF",
    /// which is how OpenSC and the `00 A4 02 0C` + `00 20 00 80` form work).
    fn target(&mut self, sfi_byte: u8) -> Result<u16, StatusWord> {
        if sfi_byte & 0x80 != 0 && sfi_byte & 0x1F != 0 {
            let f = u16::from(sfi_byte & 0x1F);
            if !self.exists(f) {
                return Err(StatusWord::FileNotFound);
            }
            if self.sfi_reads == SfiReads::MakeCurrent {
                self.current_ef = Some(f);
            }
            Ok(f)
        } else {
            self.current_ef.ok_or(StatusWord::CommandNotAllowed)
        }
    }

    fn read_binary(&mut self, c: &ParsedCommand) -> Result<Response, StatusWord> {
        if !self.ap_selected {
            return Err(StatusWord::CommandNotAllowed);
        }
        let (f, offset) = if c.p1 & 0x80 != 0 {
            if c.p1 & 0x60 != 0 {
                return Err(StatusWord::IncorrectP1P2);
            }
            if let SfiReads::Refused(sw) = self.sfi_reads {
                return Err(sw);
            }
            (self.target(c.p1)?, c.p2 as usize)
        } else {
            (
                self.target(0)?,
                usize::from(u16::from_be_bytes([c.p1, c.p2])),
            )
        };
        if f == fid::SIGNING_CERT && !self.signing_verified {
            return Err(StatusWord::SecurityStatusNotSatisfied);
        }
        let file = self.files.get(&f).ok_or(StatusWord::CommandNotAllowed)?;
        if offset > file.len() || c.ne == 0 {
            return Err(if c.ne == 0 {
                StatusWord::WrongLength
            } else {
                StatusWord::WrongOffset
            });
        }
        let end = (offset + c.ne).min(file.len());
        Ok(Response {
            data: file[offset..end].to_vec(),
            sw: StatusWord::Success,
        })
    }

    fn verify(&mut self, c: &ParsedCommand) -> Result<Response, StatusWord> {
        if !self.ap_selected {
            return Err(StatusWord::CommandNotAllowed);
        }
        if c.p1 != 0 {
            return Err(StatusWord::IncorrectP1P2);
        }
        let f = self.target(c.p2)?;
        let (counter, verified) = match f {
            fid::AUTH_PIN => (&mut self.auth_pin, &mut self.auth_verified),
            fid::SIGNING_PIN => match self.signing_pin.as_mut() {
                Some(p) => (p, &mut self.signing_verified),
                None => return Err(StatusWord::FileNotFound),
            },
            _ => return Err(StatusWord::CommandNotAllowed),
        };
        if c.data.is_empty() {
            return Err(match (*verified, counter.tries_left) {
                (true, _) => return Ok(Response::status(StatusWord::Success)),
                (false, n) => StatusWord::TriesLeft(n),
            });
        }
        if counter.tries_left == 0 {
            return Err(StatusWord::ReferenceDataBlocked);
        }
        // Constant-time comparison is moot for a test card; plain bytes here.
        if c.data == *counter.secret {
            counter.tries_left = counter.max;
            *verified = true;
            Ok(Response::status(StatusWord::Success))
        } else {
            counter.tries_left -= 1;
            *verified = false;
            Err(StatusWord::TriesLeft(counter.tries_left))
        }
    }

    fn sign(&mut self, c: &ParsedCommand) -> Result<Response, StatusWord> {
        if !self.ap_selected {
            return Err(StatusWord::CommandNotAllowed);
        }
        if c.p1 != 0 {
            return Err(StatusWord::IncorrectP1P2);
        }
        let f = self.target(c.p2)?;
        let key = match f {
            fid::AUTH_KEY if self.auth_verified => &self.auth_key,
            fid::SIGNING_KEY if self.signing_verified => {
                self.signing_key.as_ref().ok_or(StatusWord::FileNotFound)?
            }
            fid::AUTH_KEY | fid::SIGNING_KEY => return Err(StatusWord::SecurityStatusNotSatisfied),
            _ => return Err(StatusWord::CommandNotAllowed),
        };
        if c.data.is_empty() || c.data.len() > 245 {
            return Err(StatusWord::WrongLength);
        }
        let sig = key
            .sign(Pkcs1v15Sign::new_unprefixed(), &c.data)
            .map_err(|_| StatusWord::ConditionsNotSatisfied)?;
        Ok(Response {
            data: sig,
            sw: StatusWord::Success,
        })
    }
}

impl Transport for VirtualCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if !self.powered {
            return Err(TransportError::CardLost(
                "the virtual card is powered off".into(),
            ));
        }
        Ok(self.process_apdu(command))
    }

    fn capabilities(&self) -> LinkCapabilities {
        if self.options.extended_length {
            LinkCapabilities::EXTENDED
        } else {
            LinkCapabilities::SHORT_ONLY
        }
    }
}
