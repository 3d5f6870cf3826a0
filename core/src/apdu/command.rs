//! Command APDUs.

/// The expected response length of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Le {
    /// Expect up to this many bytes (1–256 short, 1–65536 extended).
    Bytes(u32),
    /// "As many as there are": 256 for a short APDU, 65536 for an extended one.
    Max,
}

/// Why a command could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The body is longer than an extended APDU can carry.
    #[error("command body of {0} bytes is longer than 65535")]
    BodyTooLong(usize),
    /// Le is 0 or above 65536.
    #[error("expected length {0} is out of range")]
    LeOutOfRange(u32),
}

/// A command APDU. Build it, then [`Command::encode`] it in short or extended
/// form depending on what the link supports.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command body (Lc is derived from it); empty for cases 1 and 2.
    pub data: Vec<u8>,
    /// Expected response length; `None` for cases 1 and 3.
    pub le: Option<Le>,
    /// The body is secret (a PIN): `Debug` and transcripts must not show it.
    pub secret: bool,
}

impl Command {
    /// A case-1 command: header only.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
            secret: false,
        }
    }

    /// Attach a body (case 3, or case 4 together with [`Command::with_le`]).
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Attach an expected length (case 2, or case 4 with a body).
    pub fn with_le(mut self, le: Le) -> Self {
        self.le = Some(le);
        self
    }

    /// Mark the body as a secret (PIN or password).
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }

    /// Whether this command needs the extended form: a body over 255 bytes or
    /// an Le over 256.
    pub fn needs_extended(&self) -> bool {
        self.data.len() > 255 || matches!(self.le, Some(Le::Bytes(n)) if n > 256)
    }

    /// Encode, in extended form if `extended` is true or the command needs it.
    pub fn encode(&self, extended: bool) -> Result<Vec<u8>, CommandError> {
        if self.data.len() > 65_535 {
            return Err(CommandError::BodyTooLong(self.data.len()));
        }
        if let Some(Le::Bytes(n)) = self.le {
            if n == 0 || n > 65_536 {
                return Err(CommandError::LeOutOfRange(n));
            }
        }
        let extended = extended || self.needs_extended();
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            if extended {
                let n = self.data.len() as u16;
                out.push(0);
                out.extend_from_slice(&n.to_be_bytes());
            } else {
                out.push(self.data.len() as u8);
            }
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            let n = match le {
                Le::Max => None,
                Le::Bytes(n) => Some(n),
            };
            if extended {
                // 65536 and "max" both encode as 00 00.
                let v = n.filter(|&n| n < 65_536).unwrap_or(0) as u16;
                if self.data.is_empty() {
                    out.push(0);
                }
                out.extend_from_slice(&v.to_be_bytes());
            } else {
                out.push(n.filter(|&n| n < 256).unwrap_or(0) as u8);
            }
        }
        Ok(out)
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Command");
        d.field(
            "header",
            &format_args!(
                "{:02X} {:02X} {:02X} {:02X}",
                self.cla, self.ins, self.p1, self.p2
            ),
        );
        if self.secret {
            d.field("data", &format_args!("<{} secret bytes>", self.data.len()));
        } else {
            d.field("data", &format_args!("{}", hex::encode_upper(&self.data)));
        }
        d.field("le", &self.le).finish()
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        if self.secret {
            zeroize::Zeroize::zeroize(&mut self.data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn case1_is_four_bytes() {
        // The tries-left query must be exactly 4 bytes (jpki-facts §3.1).
        let c = Command::new(0x00, 0x20, 0x00, 0x80);
        assert_eq!(c.encode(false).unwrap(), h("00200080"));
        assert_eq!(c.encode(true).unwrap(), h("00200080"));
    }

    #[test]
    fn case2_short_and_extended() {
        let c = Command::new(0, 0xB0, 0x8A, 0).with_le(Le::Max);
        assert_eq!(c.encode(false).unwrap(), h("00B08A0000"));
        assert_eq!(c.encode(true).unwrap(), h("00B08A00000000"));
        let c = Command::new(0, 0xB0, 0, 0).with_le(Le::Bytes(0x0623));
        assert!(c.needs_extended());
        assert_eq!(c.encode(false).unwrap(), h("00B00000000623"));
        let c = Command::new(0, 0xB0, 0, 0).with_le(Le::Bytes(256));
        assert_eq!(c.encode(false).unwrap(), h("00B0000000"));
    }

    #[test]
    fn case3_select_has_no_le() {
        let c = Command::new(0, 0xA4, 0x04, 0x0C).with_data(h("D392F000260100000001"));
        assert_eq!(
            c.encode(false).unwrap(),
            h("00A4040C0AD392F000260100000001")
        );
    }

    #[test]
    fn case4_short_and_extended_are_big_endian() {
        let c = Command::new(0x80, 0x2A, 0, 0x80)
            .with_data(vec![0xAA; 0x33])
            .with_le(Le::Max);
        let e = c.encode(false).unwrap();
        assert_eq!(&e[..5], &h("802A008033")[..]);
        assert_eq!(e.len(), 5 + 0x33 + 1);
        assert_eq!(*e.last().unwrap(), 0);
        let c = Command::new(0, 0xD6, 0, 0)
            .with_data(vec![1; 0x0102])
            .with_le(Le::Bytes(0x0304));
        let e = c.encode(false).unwrap();
        assert_eq!(&e[4..7], &[0, 1, 2]);
        assert_eq!(&e[e.len() - 2..], &[3, 4]);
    }

    #[test]
    fn rejects_out_of_range() {
        let c = Command::new(0, 0, 0, 0).with_le(Le::Bytes(0));
        assert_eq!(c.encode(false), Err(CommandError::LeOutOfRange(0)));
        let c = Command::new(0, 0, 0, 0).with_data(vec![0; 70_000]);
        assert_eq!(c.encode(true), Err(CommandError::BodyTooLong(70_000)));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Command::new(0, 0x20, 0, 0x80)
            .with_data(b"1234".to_vec())
            .secret();
        let s = format!("{c:?}");
        assert!(!s.contains("31323334"), "{s}");
        assert!(s.contains("secret"));
    }
}
