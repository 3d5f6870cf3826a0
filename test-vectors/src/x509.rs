//! DER building blocks: names, times, extensions, and signed certificates and CRLs.
//!
//! Everything is assembled field by field with `x509-cert`'s types so that the
//! output is fully determined by the inputs: no random serials, no clock, and
//! RSA PKCS#1 v1.5 signatures (which are deterministic).

use rsa::pkcs8::EncodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::der::asn1::{BitString, ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Any, DateTime, Decode, Encode, Tag};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

use crate::Result;

/// `sha256WithRSAEncryption`.
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// The attribute types used in JPKI names, with the string type the real
/// certificates use for each (`C` is a PrintableString, the rest UTF8String).
#[derive(Clone, Copy, Debug)]
pub enum Attr {
    /// countryName (PrintableString).
    C,
    /// organizationName.
    O,
    /// organizationalUnitName.
    Ou,
    /// localityName.
    L,
    /// commonName.
    Cn,
}

impl Attr {
    fn oid_and_tag(self) -> (&'static str, Tag) {
        match self {
            Attr::C => ("2.5.4.6", Tag::PrintableString),
            Attr::O => ("2.5.4.10", Tag::Utf8String),
            Attr::Ou => ("2.5.4.11", Tag::Utf8String),
            Attr::L => ("2.5.4.7", Tag::Utf8String),
            Attr::Cn => ("2.5.4.3", Tag::Utf8String),
        }
    }
}

/// A distinguished name with one attribute per RDN, in the given order
/// (repeated attribute types such as two `OU`s are kept).
pub fn name(parts: &[(Attr, &str)]) -> Result<Name> {
    let mut rdns = Vec::with_capacity(parts.len());
    for (attr, value) in parts {
        let (oid, tag) = attr.oid_and_tag();
        let atv = x509_cert::attr::AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value: Any::new(tag, value.as_bytes())?,
        };
        rdns.push(RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?));
    }
    Ok(RdnSequence(rdns))
}

/// A UTCTime (all our dates are before 2050).
pub fn utc(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Result<Time> {
    Ok(Time::UtcTime(UtcTime::from_date_time(DateTime::new(
        y, mo, d, h, mi, s,
    )?)?))
}

/// An extension whose OID is the value type's associated OID.
pub fn ext<T: Encode + AssociatedOid>(critical: bool, value: &T) -> Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// The SubjectPublicKeyInfo of an RSA public key.
pub fn spki(public: &RsaPublicKey) -> Result<SubjectPublicKeyInfoOwned> {
    let der = public.to_public_key_der()?;
    Ok(SubjectPublicKeyInfoOwned::from_der(der.as_bytes())?)
}

/// The key identifier of a public key: the leftmost 160 bits of the SHA-256 of
/// the subjectPublicKey BIT STRING value (RFC 7093, method 1).
pub fn key_id(public: &RsaPublicKey) -> Result<Vec<u8>> {
    let info = spki(public)?;
    Ok(Sha256::digest(info.subject_public_key.raw_bytes())[..20].to_vec())
}

fn sha256_with_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA,
        parameters: Some(Any::null()),
    }
}

fn sign(key: &RsaPrivateKey, tbs: &[u8]) -> Result<BitString> {
    let digest = Sha256::digest(tbs);
    let signature = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)?;
    Ok(BitString::from_bytes(&signature)?)
}

/// The to-be-signed fields of a certificate.
pub struct CertFields {
    /// Serial number (positive).
    pub serial: u32,
    /// Issuer DN.
    pub issuer: Name,
    /// Subject DN.
    pub subject: Name,
    /// notBefore / notAfter.
    pub validity: Validity,
    /// Extensions, in the order they are written.
    pub extensions: Vec<Extension>,
}

/// A v3 certificate for `public`, signed with `issuer_key` (sha256WithRSAEncryption), as DER.
pub fn certificate(
    fields: CertFields,
    public: &RsaPublicKey,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>> {
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::from(fields.serial),
        signature: sha256_with_rsa(),
        issuer: fields.issuer,
        validity: fields.validity,
        subject: fields.subject,
        subject_public_key_info: spki(public)?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(fields.extensions),
    };
    let signature = sign(issuer_key, &tbs.to_der()?)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature,
    };
    Ok(cert.to_der()?)
}

/// A v2 CRL signed with `issuer_key`, as DER.
pub fn crl(
    issuer: Name,
    this_update: Time,
    next_update: Time,
    revoked: Vec<RevokedCert>,
    extensions: Vec<Extension>,
    issuer_key: &RsaPrivateKey,
) -> Result<Vec<u8>> {
    let tbs = TbsCertList {
        version: Version::V2,
        signature: sha256_with_rsa(),
        issuer,
        this_update,
        next_update: Some(next_update),
        revoked_certificates: (!revoked.is_empty()).then_some(revoked),
        crl_extensions: Some(extensions),
    };
    let signature = sign(issuer_key, &tbs.to_der()?)?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: sha256_with_rsa(),
        signature,
    };
    Ok(list.to_der()?)
}
