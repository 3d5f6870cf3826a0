//! SELECT: the JPKI AP by DF name, EFs by file ID (`00 A4 .. 0C`, no FCI, no Le).

use crate::apdu::{Command, StatusWord};
use crate::transport::Transport;

use super::{JpkiCard, JpkiError, JPKI_AID};

impl<T: Transport> JpkiCard<T> {
    /// SELECT the JPKI AP (`00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01`).
    /// Re-selecting also logs out: the card forgets verified PINs.
    pub fn select_ap(&mut self) -> Result<(), JpkiError> {
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(JPKI_AID.to_vec());
        let r = self.call(&cmd, false)?;
        match r.sw {
            StatusWord::Success => Ok(()),
            sw @ (StatusWord::FileNotFound
            | StatusWord::FunctionNotSupported
            | StatusWord::IncorrectP1P2
            | StatusWord::InsNotSupported
            | StatusWord::ClaNotSupported
            | StatusWord::Other(..)) => Err(JpkiError::NotMyNumberCard(sw)),
            sw => Err(JpkiError::UnexpectedStatus {
                command: "SELECT JPKI AP",
                sw,
            }),
        }
    }

    /// SELECT an EF of the JPKI AP by file ID (`00 A4 02 0C 02 <FID>`).
    pub fn select_ef(&mut self, fid: u16) -> Result<StatusWord, JpkiError> {
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec());
        Ok(self.call(&cmd, false)?.sw)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::transcript::{Exchange, Replay, Transcript};

    #[test]
    fn a_card_refusing_the_jpki_aid_is_not_a_my_number_card() {
        for sw in ["6A82", "6A81", "6A86", "6D00", "6F00"] {
            let replay = Replay::new(Transcript {
                description: "another card".into(),
                extended_length: false,
                exchanges: vec![Exchange {
                    command: "00A4040C0AD392F000260100000001".into(),
                    response: sw.into(),
                }],
            });
            assert!(
                matches!(JpkiCard::open(replay), Err(JpkiError::NotMyNumberCard(_))),
                "{sw}"
            );
        }
    }
}
