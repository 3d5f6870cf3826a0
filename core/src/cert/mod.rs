//! The JPKI certificate profile: parsing the certificates of a My Number Card
//! (マイナンバーカード) and of the J-LIS roots, and reading the 4 basic facts
//! (name, address, birth date, gender) out of a signing certificate.
//!
//! * [`JpkiCertificate`] — one certificate, parsed once, with its purpose
//!   (by CA flag and policy OID), key usage, key identifiers, RSA key and,
//!   for signing certificates, its [`BasicInfo`].
//! * [`der_length`] — the length of the certificate at the start of an EF, to
//!   trim the filler the card stores after it.
//! * [`RsaPublicKey`] — PKCS#1 v1.5 / SHA-256 verification through aws-lc-rs.
//! * [`CertError`] — one variant per rejection reason, each with a stable code.
//!
//! Nothing here reads the clock ([`JpkiCertificate::is_valid_at`] takes the
//! time) and no input makes it panic. The profile is described in
//! `docs/card-protocol.md` and `jpki-facts.md` §5–§6.

mod basic_info;
mod birth_date;
mod certificate;
mod der;
mod error;
mod extensions;
mod profile;
mod rsa_key;
mod san;

pub use basic_info::{BasicInfo, Gender, SubstituteFlags, NAME_SEPARATOR};
pub use birth_date::{BirthDate, Era};
pub use certificate::JpkiCertificate;
pub use der::{der_length, MAX_CERTIFICATE_DER_LEN};
pub use error::{BasicInfoField, CertError};
pub use profile::{policy_oid, CertificatePurpose, KeyUsage, PolicyKind};
pub use rsa_key::RsaPublicKey;
