//! Parsing a command APDU the way a card does (ISO 7816-4 §5.1 cases).

/// A decoded command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedCommand {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Ne: expected length (0 = none), 256/65536 for "max".
    pub ne: usize,
    pub extended: bool,
}

/// Decode raw command bytes; `None` if the lengths do not add up.
pub(super) fn parse_command(b: &[u8]) -> Option<ParsedCommand> {
    let [cla, ins, p1, p2]: [u8; 4] = b.get(..4)?.try_into().ok()?;
    let body = &b[4..];
    let mut c = ParsedCommand {
        cla,
        ins,
        p1,
        p2,
        data: Vec::new(),
        ne: 0,
        extended: false,
    };
    match body.len() {
        0 => {}
        1 => c.ne = if body[0] == 0 { 256 } else { body[0] as usize },
        _ if body[0] != 0 => {
            let lc = body[0] as usize;
            let rest = &body[1..];
            match rest.len().checked_sub(lc)? {
                0 => {}
                1 => {
                    c.ne = if rest[lc] == 0 {
                        256
                    } else {
                        rest[lc] as usize
                    }
                }
                _ => return None,
            }
            c.data = rest[..lc].to_vec();
        }
        3 => {
            c.extended = true;
            let n = u16::from_be_bytes([body[1], body[2]]) as usize;
            c.ne = if n == 0 { 65_536 } else { n };
        }
        _ => {
            c.extended = true;
            let lc = u16::from_be_bytes([*body.get(1)?, *body.get(2)?]) as usize;
            if lc == 0 {
                return None;
            }
            let rest = &body[3..];
            match rest.len().checked_sub(lc)? {
                0 => {}
                2 => {
                    let n = u16::from_be_bytes([rest[lc], rest[lc + 1]]) as usize;
                    c.ne = if n == 0 { 65_536 } else { n };
                }
                _ => return None,
            }
            c.data = rest[..lc].to_vec();
        }
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::{Command, Le};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parses_what_command_encodes(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            le in proptest::option::of(1u32..=65_536),
            ext in any::<bool>(),
        ) {
            let mut c = Command::new(0x80, 0x2A, 1, 2).with_data(data.clone());
            if let Some(le) = le { c = c.with_le(Le::Bytes(le)); }
            let bytes = c.encode(ext).unwrap();
            let p = parse_command(&bytes).unwrap();
            prop_assert_eq!(p.data, data);
            prop_assert_eq!(p.ne, le.unwrap_or(0) as usize);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = parse_command(&bytes);
        }
    }
}
