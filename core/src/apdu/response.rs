//! Response APDUs.

use super::StatusWord;

/// A response APDU: data followed by the status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data (possibly empty).
    pub data: Vec<u8>,
    /// The status word SW1 SW2.
    pub sw: StatusWord,
}

/// A response too short to hold a status word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("card response of {0} bytes is too short to hold a status word")]
pub struct ResponseError(pub usize);

impl Response {
    /// Split raw response bytes into data and status word.
    pub fn parse(bytes: &[u8]) -> Result<Self, ResponseError> {
        if bytes.len() < 2 {
            return Err(ResponseError(bytes.len()));
        }
        let (data, sw) = bytes.split_at(bytes.len() - 2);
        Ok(Self {
            data: data.to_vec(),
            sw: StatusWord::from_bytes(sw[0], sw[1]),
        })
    }

    /// Serialize back to wire bytes (the virtual card answers with this).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }

    /// A bare status-word response with no data.
    pub fn status(sw: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            sw,
        }
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("len", &self.data.len())
            .field("sw", &self.sw)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_sw() {
        let r = Response::parse(&[1, 2, 0x90, 0x00]).unwrap();
        assert_eq!(r.data, vec![1, 2]);
        assert_eq!(r.sw, StatusWord::Success);
        assert_eq!(r.to_bytes(), vec![1, 2, 0x90, 0]);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_or_fail_typed(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            match Response::parse(&bytes) {
                Ok(r) => {
                    proptest::prop_assert_eq!(r.data.len() + 2, bytes.len());
                    proptest::prop_assert_eq!(r.to_bytes(), bytes);
                }
                Err(ResponseError(n)) => proptest::prop_assert!(n < 2 && n == bytes.len()),
            }
        }
    }

    #[test]
    fn too_short_is_an_error() {
        assert_eq!(Response::parse(&[0x90]), Err(ResponseError(1)));
        assert_eq!(Response::parse(&[]), Err(ResponseError(0)));
    }
}
