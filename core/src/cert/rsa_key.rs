//! RSA public keys of JPKI certificates and PKCS#1 v1.5 / SHA-256 signature
//! verification through aws-lc-rs (the fast backend, see `design.md`).
//!
//! Every JPKI key — roots, signing and authentication certificates — is
//! RSA-2048 with `e = 65537`. We accept 2048 to 8192 bits, the range
//! aws-lc-rs's `RSA_PKCS1_2048_8192_SHA256` verifies, and reject the rest
//! when the certificate is parsed, so a bad key surfaces as a typed error and
//! not as a failed signature later.

use std::sync::{Arc, OnceLock};

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::der::read_tlv;
use super::CertError;

const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 8192;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_INTEGER: u8 = 0x02;

/// An RSA public key taken from a certificate's SubjectPublicKeyInfo.
#[derive(Clone)]
pub struct RsaPublicKey {
    spki_der: Vec<u8>,
    pkcs1_der: Vec<u8>,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    bits: usize,
    /// The key as aws-lc-rs parses it, made on first use and kept: a trust
    /// anchor's key then costs one parse per process instead of one per
    /// verification (the verification CPU goal in `design.md`). Lazy, so
    /// parsing a certificate stays cheap when its key is never used.
    parsed: Arc<OnceLock<Option<ParsedPublicKey>>>,
}

impl std::fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
            .field("modulus", &hex::encode(&self.modulus))
            .field("exponent", &hex::encode(&self.exponent))
            .finish()
    }
}

impl PartialEq for RsaPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}

impl Eq for RsaPublicKey {}

impl RsaPublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` (exactly, no trailing bytes).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, CertError> {
        match SubjectPublicKeyInfo::from_der(der) {
            Ok(([], spki)) => Self::from_spki(&spki),
            Ok(_) => Err(CertError::BadPublicKey {
                reason: "bytes follow the SubjectPublicKeyInfo",
            }),
            Err(_) => Err(CertError::BadPublicKey {
                reason: "SubjectPublicKeyInfo is not valid DER",
            }),
        }
    }

    /// Builds the key from x509-parser's view of a SubjectPublicKeyInfo.
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Result<Self, CertError> {
        if spki.algorithm.algorithm != OID_PKCS1_RSAENCRYPTION {
            return Err(CertError::NotRsa {
                algorithm: spki.algorithm.algorithm.to_id_string(),
            });
        }
        if spki.subject_public_key.unused_bits != 0 {
            return Err(CertError::BadPublicKey {
                reason: "key BIT STRING has unused bits",
            });
        }
        let pkcs1_der: &[u8] = &spki.subject_public_key.data;
        let (modulus, exponent) = parse_rsa_public_key(pkcs1_der)?;
        let bits = bit_length(modulus);
        if bits < MIN_BITS {
            return Err(CertError::KeyTooSmall { bits });
        }
        if bits > MAX_BITS {
            return Err(CertError::KeyTooLarge { bits });
        }
        Ok(RsaPublicKey {
            spki_der: spki.raw.to_vec(),
            pkcs1_der: pkcs1_der.to_vec(),
            modulus: modulus.to_vec(),
            exponent: exponent.to_vec(),
            bits,
            parsed: Arc::new(OnceLock::new()),
        })
    }

    /// Verifies an RSASSA-PKCS1-v1_5 signature with SHA-256 over `message`
    /// (what the card's `80 2A` makes from a SHA-256 DigestInfo, and what
    /// J-LIS uses to sign certificates).
    pub fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> Result<(), CertError> {
        let parsed = self.parsed.get_or_init(|| {
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.pkcs1_der).ok()
        });
        parsed
            .as_ref()
            .ok_or(CertError::BadSignature)?
            .verify_sig(message, signature)
            .map_err(|_| CertError::BadSignature)
    }

    /// Modulus length in bits (2048 on every JPKI key).
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The DER SubjectPublicKeyInfo, as it appears in the certificate.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The DER `RSAPublicKey` (PKCS#1) inside the SubjectPublicKeyInfo.
    pub fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1_der
    }

    /// The modulus, big-endian, without leading zero octets.
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent, big-endian, without leading zero octets
    /// (`01 00 01` on JPKI keys).
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }
}

/// Splits `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
/// into the magnitudes of both integers.
fn parse_rsa_public_key(der: &[u8]) -> Result<(&[u8], &[u8]), CertError> {
    let bad = |reason| CertError::BadPublicKey { reason };
    let seq = read_tlv(der).ok_or(bad("RSAPublicKey is not valid DER"))?;
    if seq.tag != TAG_SEQUENCE || !seq.rest.is_empty() {
        return Err(bad("RSAPublicKey is not a single SEQUENCE"));
    }
    let n = read_tlv(seq.value).ok_or(bad("modulus is not valid DER"))?;
    let e = read_tlv(n.rest).ok_or(bad("exponent is not valid DER"))?;
    if n.tag != TAG_INTEGER || e.tag != TAG_INTEGER || !e.rest.is_empty() {
        return Err(bad("RSAPublicKey must hold exactly two INTEGERs"));
    }
    let modulus = positive_magnitude(n.value).ok_or(bad("modulus is not a positive integer"))?;
    let exponent = positive_magnitude(e.value).ok_or(bad("exponent is not a positive integer"))?;
    Ok((modulus, exponent))
}

/// The magnitude of a DER INTEGER's content octets, or `None` if it is
/// negative or zero.
fn positive_magnitude(content: &[u8]) -> Option<&[u8]> {
    if content.first()? & 0x80 != 0 {
        return None;
    }
    let start = content.iter().position(|&b| b != 0)?;
    Some(&content[start..])
}

/// Bit length of a big-endian magnitude without leading zero octets.
fn bit_length(magnitude: &[u8]) -> usize {
    match magnitude.first() {
        Some(&top) => (magnitude.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes() {
        assert_eq!(
            positive_magnitude(&[0x00, 0x80, 0x01]),
            Some(&[0x80, 0x01][..])
        );
        assert_eq!(
            positive_magnitude(&[0x01, 0x00, 0x01]),
            Some(&[0x01, 0x00, 0x01][..])
        );
        assert_eq!(positive_magnitude(&[0x80]), None);
        assert_eq!(positive_magnitude(&[0x00]), None);
        assert_eq!(positive_magnitude(&[]), None);
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[0x80, 0x00]), 16);
        let mut n = vec![0xC0];
        n.extend([0u8; 255]);
        assert_eq!(bit_length(&n), 2048);
    }

    fn rsa_key_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
            let mut out = vec![tag];
            match v.len() {
                l if l < 0x80 => out.push(l as u8),
                l if l < 0x100 => out.extend([0x81, l as u8]),
                l => out.extend([0x82, (l >> 8) as u8, l as u8]),
            }
            out.extend_from_slice(v);
            out
        }
        let mut body = tlv(TAG_INTEGER, modulus);
        body.extend(tlv(TAG_INTEGER, exponent));
        tlv(TAG_SEQUENCE, &body)
    }

    #[test]
    fn parses_and_rejects_rsa_public_keys() {
        let mut modulus = vec![0x00, 0xC1];
        modulus.extend([0x55u8; 255]);
        let der = rsa_key_der(&modulus, &[0x01, 0x00, 0x01]);
        let (n, e) = parse_rsa_public_key(&der).expect("valid key");
        assert_eq!((n.len(), bit_length(n), e), (256, 2048, &[1, 0, 1][..]));

        let code = |d: &[u8]| parse_rsa_public_key(d).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code(&rsa_key_der(&[0x80, 1], &[3])), Err("bad_public_key"));
        assert_eq!(code(&rsa_key_der(&[0x00], &[3])), Err("bad_public_key"));
        assert_eq!(code(&rsa_key_der(&[0x01], &[])), Err("bad_public_key"));
        let mut trailing = der.clone();
        trailing.push(0);
        assert_eq!(code(&trailing), Err("bad_public_key"));
        assert_eq!(code(&der[..der.len() - 1]), Err("bad_public_key"));
        assert_eq!(code(&[]), Err("bad_public_key"));
    }
}
