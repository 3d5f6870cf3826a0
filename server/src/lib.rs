//! # shiori-server
//!
//! Where trust is decided. This crate will hold the HTTP API (issue 3); what is
//! here now is its foundation:
//!
//! * [`verify`] — JPKI-profile path validation of signing and auth certificates
//!   against configured trust anchors (issuer chosen by key identifier and
//!   signature, because J-LIS root generations share one DN), with validity at
//!   a given time, key usage, critical extensions, policy OID per purpose, and
//!   revocation behind the [`verify::RevocationChecker`] trait (CRL files
//!   implemented).
#![deny(missing_docs)]

pub mod verify;
