//! Status words as named variants (jpki-facts §3.5; docs/card-protocol.md).

/// A status word, with the ones the JPKI application uses named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// `9000`: success. An empty VERIFY answers this when the PIN is already
    /// verified in this session.
    Success,
    /// `61xx`: more data waits; fetch with GET RESPONSE (`xx` = 0 means 256).
    BytesAvailable(u8),
    /// `6282`: end of file reached before Le bytes.
    EndOfFileWarning,
    /// `63Cx`: wrong PIN or tries-left answer; `x` tries remain.
    TriesLeft(u8),
    /// `6300`: verification failed, no counter (no retry limit).
    VerificationFailed,
    /// `6700`: wrong length (e.g. extended Le not supported, bad sign input).
    WrongLength,
    /// `6982`: security status not satisfied (PIN not verified).
    SecurityStatusNotSatisfied,
    /// `6983`: authentication method blocked (ISO; JPKI uses `6984`).
    AuthenticationBlocked,
    /// `6984`: referenced data (PIN IEF) blocked.
    ReferenceDataBlocked,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6986`: command not allowed (no current EF).
    CommandNotAllowed,
    /// `6A81`: function not supported (e.g. READ BINARY by SFI on a card
    /// without short EF identifiers).
    FunctionNotSupported,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A86`: incorrect P1/P2.
    IncorrectP1P2,
    /// `6A88`: referenced data not found.
    ReferencedDataNotFound,
    /// `6B00`: offset beyond the end of the file.
    WrongOffset,
    /// `6Cxx`: wrong Le; re-send with Le = `xx` (0 means 256).
    WrongLe(u8),
    /// `6D00`: instruction not supported.
    InsNotSupported,
    /// `6E00`: class not supported.
    ClaNotSupported,
    /// Anything else.
    Other(u8, u8),
}

impl StatusWord {
    /// Decode SW1 SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        use StatusWord::*;
        match (sw1, sw2) {
            (0x90, 0x00) => Success,
            (0x61, n) => BytesAvailable(n),
            (0x62, 0x82) => EndOfFileWarning,
            (0x63, 0x00) => VerificationFailed,
            (0x63, n) if n & 0xF0 == 0xC0 => TriesLeft(n & 0x0F),
            (0x67, 0x00) => WrongLength,
            (0x69, 0x82) => SecurityStatusNotSatisfied,
            (0x69, 0x83) => AuthenticationBlocked,
            (0x69, 0x84) => ReferenceDataBlocked,
            (0x69, 0x85) => ConditionsNotSatisfied,
            (0x69, 0x86) => CommandNotAllowed,
            (0x6A, 0x81) => FunctionNotSupported,
            (0x6A, 0x82) => FileNotFound,
            (0x6A, 0x86) => IncorrectP1P2,
            (0x6A, 0x88) => ReferencedDataNotFound,
            (0x6B, 0x00) => WrongOffset,
            (0x6C, n) => WrongLe(n),
            (0x6D, 0x00) => InsNotSupported,
            (0x6E, 0x00) => ClaNotSupported,
            (a, b) => Other(a, b),
        }
    }

    /// Encode back to SW1 SW2.
    pub fn to_bytes(self) -> [u8; 2] {
        use StatusWord::*;
        match self {
            Success => [0x90, 0x00],
            BytesAvailable(n) => [0x61, n],
            EndOfFileWarning => [0x62, 0x82],
            TriesLeft(n) => [0x63, 0xC0 | (n & 0x0F)],
            VerificationFailed => [0x63, 0x00],
            WrongLength => [0x67, 0x00],
            SecurityStatusNotSatisfied => [0x69, 0x82],
            AuthenticationBlocked => [0x69, 0x83],
            ReferenceDataBlocked => [0x69, 0x84],
            ConditionsNotSatisfied => [0x69, 0x85],
            CommandNotAllowed => [0x69, 0x86],
            FunctionNotSupported => [0x6A, 0x81],
            FileNotFound => [0x6A, 0x82],
            IncorrectP1P2 => [0x6A, 0x86],
            ReferencedDataNotFound => [0x6A, 0x88],
            WrongOffset => [0x6B, 0x00],
            WrongLe(n) => [0x6C, n],
            InsNotSupported => [0x6D, 0x00],
            ClaNotSupported => [0x6E, 0x00],
            Other(a, b) => [a, b],
        }
    }

    /// `9000`.
    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b] = self.to_bytes();
        write!(f, "{a:02X}{b:02X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trips(a in any::<u8>(), b in any::<u8>()) {
            prop_assert_eq!(StatusWord::from_bytes(a, b).to_bytes(), [a, b]);
        }
    }

    #[test]
    fn named() {
        assert_eq!(StatusWord::from_bytes(0x63, 0xC2), StatusWord::TriesLeft(2));
        assert_eq!(StatusWord::from_bytes(0x63, 0xC0), StatusWord::TriesLeft(0));
        assert_eq!(
            StatusWord::from_bytes(0x69, 0x84),
            StatusWord::ReferenceDataBlocked
        );
        assert_eq!(
            StatusWord::from_bytes(0x6A, 0x81),
            StatusWord::FunctionNotSupported
        );
        assert_eq!(StatusWord::TriesLeft(5).to_string(), "63C5");
    }
}
