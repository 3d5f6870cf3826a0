//! Tries left and VERIFY, with the PIN safety rules:
//!
//! 1. always read the tries left first (case-1 VERIFY `00 20 00 (80|SFI)`,
//!    which costs no try);
//! 2. never send a PIN to a blocked counter, nor spend the last try unless the
//!    caller passed [`LastTry::Allow`];
//! 3. send the PIN once; never retry on our own.

use crate::apdu::{Command, StatusWord};
use crate::pin::{AuthPin, LastTry, PinKind, SigningPassword};
use crate::transport::Transport;

use super::{fid, JpkiCard, JpkiError};

/// The state of one PIN counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStatus {
    /// This many tries remain (1 or more).
    TriesLeft(u8),
    /// Already verified in this session (`9000` to the empty VERIFY).
    Verified,
    /// Blocked (`63C0` / `6984`): only the municipal office can unblock it.
    Blocked,
}

impl<T: Transport> JpkiCard<T> {
    /// Read how many tries the PIN has left. Sends no PIN and costs no try.
    pub fn pin_status(&mut self, kind: PinKind) -> Result<PinStatus, JpkiError> {
        let cmd = Command::new(0x00, 0x20, 0x00, p2(kind));
        let r = self.call(&cmd, false)?;
        match r.sw {
            StatusWord::TriesLeft(0)
            | StatusWord::ReferenceDataBlocked
            | StatusWord::AuthenticationBlocked => Ok(PinStatus::Blocked),
            StatusWord::TriesLeft(n) => Ok(PinStatus::TriesLeft(n)),
            StatusWord::Success => Ok(PinStatus::Verified),
            StatusWord::FileNotFound if kind == PinKind::Signing => {
                Err(JpkiError::NoSigningCertificate)
            }
            sw => Err(JpkiError::UnexpectedStatus {
                command: "VERIFY (tries left)",
                sw,
            }),
        }
    }

    /// VERIFY the 4-digit user-authentication PIN (after reading tries left).
    pub fn verify_auth_pin(&mut self, pin: &AuthPin, last: LastTry) -> Result<(), JpkiError> {
        self.verify(PinKind::Auth, pin.as_bytes(), last)
    }

    /// VERIFY the signing password (after reading tries left).
    pub fn verify_signing_password(
        &mut self,
        password: &SigningPassword,
        last: LastTry,
    ) -> Result<(), JpkiError> {
        self.verify(PinKind::Signing, password.as_bytes(), last)
    }

    /// VERIFY the auth PIN whose status was read in this card session
    /// (by [`JpkiCard::pin_status`]); sends nothing for a verified PIN.
    pub(super) fn verify_auth_pin_read(
        &mut self,
        pin: &AuthPin,
        status: PinStatus,
        last: LastTry,
    ) -> Result<(), JpkiError> {
        self.verify_with_status(PinKind::Auth, pin.as_bytes(), status, last)
    }

    /// VERIFY the signing password whose status was read in this card
    /// session (by [`JpkiCard::pin_status`]).
    pub(super) fn verify_signing_password_read(
        &mut self,
        password: &SigningPassword,
        status: PinStatus,
        last: LastTry,
    ) -> Result<(), JpkiError> {
        self.verify_with_status(PinKind::Signing, password.as_bytes(), status, last)
    }

    fn verify(&mut self, kind: PinKind, secret: &[u8], last: LastTry) -> Result<(), JpkiError> {
        let status = self.pin_status(kind)?;
        self.verify_with_status(kind, secret, status, last)
    }

    /// Refuse a blocked PIN or an unconfirmed last try before sending
    /// anything.
    pub(super) fn check_tries(
        kind: PinKind,
        status: PinStatus,
        last: LastTry,
    ) -> Result<(), JpkiError> {
        match status {
            PinStatus::Verified => Ok(()),
            PinStatus::Blocked => Err(JpkiError::PinBlocked(kind)),
            PinStatus::TriesLeft(1) if last == LastTry::Refuse => {
                Err(JpkiError::LastTryRefused(kind))
            }
            PinStatus::TriesLeft(_) => Ok(()),
        }
    }

    /// VERIFY `secret` for `kind`, given the status read before it in this
    /// card session. The only place a PIN is sent.
    fn verify_with_status(
        &mut self,
        kind: PinKind,
        secret: &[u8],
        status: PinStatus,
        last: LastTry,
    ) -> Result<(), JpkiError> {
        Self::check_tries(kind, status, last)?;
        match status {
            PinStatus::Verified => return Ok(()),
            PinStatus::Blocked | PinStatus::TriesLeft(_) => {}
        }
        let cmd = Command::new(0x00, 0x20, 0x00, p2(kind))
            .with_data(secret.to_vec())
            .secret();
        let r = self.call(&cmd, false)?;
        match r.sw {
            StatusWord::Success => Ok(()),
            StatusWord::TriesLeft(n) => Err(JpkiError::WrongPin {
                pin: kind,
                tries_left: n,
            }),
            StatusWord::ReferenceDataBlocked | StatusWord::AuthenticationBlocked => {
                Err(JpkiError::PinBlocked(kind))
            }
            sw => Err(JpkiError::UnexpectedStatus {
                command: "VERIFY",
                sw,
            }),
        }
    }
}

fn p2(kind: PinKind) -> u8 {
    0x80 | fid::sfi(kind.fid()).unwrap_or(0)
}
