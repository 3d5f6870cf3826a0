//! The TEST JPKI: self-signed roots (two generations and a rogue per purpose),
//! signing and auth leaf certificates, and CRLs, in the shape of jpki-facts §5.

use rsa::{RsaPrivateKey, RsaPublicKey};
use x509_cert::crl::RevokedCert;
use x509_cert::der::asn1::{Ia5String, ObjectIdentifier, OctetString, Uint};
use x509_cert::der::{Any, Tag};
use x509_cert::ext::pkix::certpolicy::{PolicyInformation, PolicyQualifierInfo};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, CrlNumber, CrlReason, ExtendedKeyUsage,
    IssuerAltName, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::x509::{self, ext, name, utc, Attr};
use crate::Result;

/// `O=` of every TEST root (what real J-LIS test cards carry).
pub const TEST_ORG: &str = "JPKI-TEST";
const JLIS_OU: &str = "Japan Agency for Local Authority Information Systems";
const CPS_URL: &str = "http://www.jpki.go.jp/cps.html";
const OCSP_AUTH_URL: &str = "http://ocsp-auth.jpki-test.invalid";
const ID_QT_CPS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.1");
const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// The JPKI subjectAltName otherName types, in the order a real signing
/// certificate lists them (name, birth date, gender, address, name flags,
/// address flags).
pub const SAN_ORDER: [ObjectIdentifier; 6] = [
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1"),
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.4"),
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.3"),
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.5"),
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.2"),
    ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.6"),
];

/// Which of the two JPKI authorities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// 署名用 (digital signature).
    Sign,
    /// 利用者証明用 (user authentication).
    Auth,
}

impl Purpose {
    /// `sign` / `auth`, used in file names.
    pub fn slug(self) -> &'static str {
        match self {
            Purpose::Sign => "sign",
            Purpose::Auth => "auth",
        }
    }

    fn ou(self) -> &'static str {
        match self {
            Purpose::Sign => "JPKI for digital signature",
            Purpose::Auth => "JPKI for user authentication",
        }
    }

    fn ou_ja(self) -> &'static str {
        match self {
            Purpose::Sign => "公的個人認証サービス署名用",
            Purpose::Auth => "公的個人認証サービス利用者証明用",
        }
    }

    /// The TEST certificate-policy OID (`…8.5.1.0.20` is documented for test
    /// cards; `…8.5.1.0.30` is inferred from production's `…8.5.1.3.30`).
    pub fn policy(self) -> ObjectIdentifier {
        match self {
            Purpose::Sign => ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.20"),
            Purpose::Auth => ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.30"),
        }
    }
}

/// A root generation. All generations of one purpose share one DN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// First TEST generation (2024–2034).
    G1,
    /// Second TEST generation (2025–2035), overlapping G1.
    G2,
    /// Not a trust anchor: same DN, serial and validity as G1, another key.
    Rogue,
}

impl Generation {
    /// `g1` / `g2` / `rogue`.
    pub fn slug(self) -> &'static str {
        match self {
            Generation::G1 => "g1",
            Generation::G2 => "g2",
            Generation::Rogue => "rogue",
        }
    }

    fn serial(self, purpose: Purpose) -> u32 {
        match (purpose, self) {
            (Purpose::Sign, Generation::G1 | Generation::Rogue) => 0x005E_C101,
            (Purpose::Sign, Generation::G2) => 0x005E_C202,
            (Purpose::Auth, Generation::G1 | Generation::Rogue) => 0x00A7_C101,
            (Purpose::Auth, Generation::G2) => 0x00A7_C202,
        }
    }

    fn validity(self) -> Result<Validity> {
        let (from, to) = match self {
            Generation::G1 | Generation::Rogue => (2024, 2034),
            Generation::G2 => (2025, 2035),
        };
        Ok(Validity {
            not_before: utc(from, 1, 1, 0, 0, 0)?,
            not_after: utc(to, 1, 1, 0, 0, 0)?,
        })
    }
}

/// The shared DN of every TEST root of `purpose`.
pub fn root_dn(purpose: Purpose) -> Result<Name> {
    name(&[
        (Attr::C, "JP"),
        (Attr::O, TEST_ORG),
        (Attr::Ou, purpose.ou()),
        (Attr::Ou, JLIS_OU),
    ])
}

/// The Japanese DirName used as the roots' SAN and the leaves' issuerAltName.
fn ja_dir_name(purpose: Purpose) -> Result<GeneralName> {
    Ok(GeneralName::DirectoryName(name(&[
        (Attr::C, "JP"),
        (Attr::O, "公的個人認証サービス"),
        (Attr::Ou, purpose.ou_ja()),
        (Attr::Ou, "地方公共団体情報システム機構"),
    ])?))
}

fn crl_dp(dn: Name) -> CrlDistributionPoints {
    CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::DirectoryName(dn),
        ])),
        reasons: None,
        crl_issuer: None,
    }])
}

fn ski(public: &RsaPublicKey) -> Result<Extension> {
    ext(
        false,
        &SubjectKeyIdentifier(OctetString::new(x509::key_id(public)?)?),
    )
}

/// A TEST root: its key, serial, key identifier and DER certificate.
pub struct Root {
    /// Which authority.
    pub purpose: Purpose,
    /// Which generation.
    pub generation: Generation,
    /// The TEST private key.
    pub key: RsaPrivateKey,
    /// The certificate serial.
    pub serial: u32,
    /// The subject key identifier (also the leaves' AKI keyid).
    pub key_id: Vec<u8>,
    /// The self-signed certificate.
    pub der: Vec<u8>,
}

impl Root {
    /// Self-signs a root with the profile of the real J-LIS roots (§5.3).
    pub fn new(purpose: Purpose, generation: Generation, key: RsaPrivateKey) -> Result<Root> {
        let public = key.to_public_key();
        let extensions = vec![
            ext(true, &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign))?,
            ext(false, &SubjectAltName(vec![ja_dir_name(purpose)?]))?,
            ext(
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
            )?,
            ext(false, &crl_dp(root_dn(purpose)?))?,
            ski(&public)?,
        ];
        let serial = generation.serial(purpose);
        let fields = x509::CertFields {
            serial,
            issuer: root_dn(purpose)?,
            subject: root_dn(purpose)?,
            validity: generation.validity()?,
            extensions,
        };
        Ok(Root {
            purpose,
            generation,
            der: x509::certificate(fields, &public, &key)?,
            key_id: x509::key_id(&public)?,
            serial,
            key,
        })
    }

    fn aki(&self) -> Result<AuthorityKeyIdentifier> {
        Ok(AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.key_id.clone())?),
            authority_cert_issuer: Some(vec![GeneralName::DirectoryName(root_dn(self.purpose)?)]),
            authority_cert_serial_number: Some(SerialNumber::from(self.serial)),
        })
    }

    fn policies(&self) -> Result<CertificatePolicies> {
        Ok(CertificatePolicies(vec![PolicyInformation {
            policy_identifier: self.purpose.policy(),
            policy_qualifiers: Some(vec![PolicyQualifierInfo {
                policy_qualifier_id: ID_QT_CPS,
                qualifier: Some(Any::new(Tag::Ia5String, CPS_URL.as_bytes())?),
            }]),
        }]))
    }

    /// Issues a leaf certificate of this root's purpose (§5.1 / §5.2 profile).
    /// `san` is the signing certificate's six otherName values in
    /// [`SAN_ORDER`]; it is ignored for auth leaves.
    pub fn issue(&self, leaf: &Leaf<'_>, san: &[&str; 6]) -> Result<Vec<u8>> {
        let crl_dn = name(&[
            (Attr::C, "JP"),
            (Attr::O, TEST_ORG),
            (Attr::Ou, self.purpose.ou()),
            (Attr::Ou, "CRL Distribution Points"),
            (Attr::Ou, leaf.prefecture),
            (Attr::Cn, &format!("{} CRLDP", leaf.city)),
        ])?;
        let mut extensions = Vec::new();
        let subject = match self.purpose {
            Purpose::Sign => {
                extensions.push(ext(
                    true,
                    &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
                )?);
                extensions.push(ext(true, &self.policies()?)?);
                let mut names = Vec::with_capacity(6);
                for (oid, value) in SAN_ORDER.iter().zip(san) {
                    names.push(GeneralName::OtherName(OtherName {
                        type_id: *oid,
                        value: Any::new(Tag::Utf8String, value.as_bytes())?,
                    }));
                }
                extensions.push(ext(false, &SubjectAltName(names))?);
                name(&[
                    (Attr::C, "JP"),
                    (Attr::L, leaf.prefecture),
                    (Attr::L, leaf.city),
                    (Attr::Cn, leaf.common_name),
                ])?
            }
            Purpose::Auth => {
                extensions.push(ext(true, &KeyUsage(KeyUsages::DigitalSignature.into()))?);
                extensions.push(ext(false, &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]))?);
                extensions.push(ext(true, &self.policies()?)?);
                name(&[(Attr::C, "JP"), (Attr::Cn, leaf.common_name)])?
            }
        };
        extensions.push(ext(
            false,
            &IssuerAltName(vec![ja_dir_name(self.purpose)?]),
        )?);
        extensions.push(ext(false, &crl_dp(crl_dn))?);
        if self.purpose == Purpose::Auth {
            extensions.push(ext(
                false,
                &AuthorityInfoAccessSyntax(vec![AccessDescription {
                    access_method: ID_AD_OCSP,
                    access_location: GeneralName::UniformResourceIdentifier(Ia5String::new(
                        OCSP_AUTH_URL,
                    )?),
                }]),
            )?);
        }
        extensions.push(ext(false, &self.aki()?)?);
        extensions.push(ski(leaf.public)?);
        let fields = x509::CertFields {
            serial: leaf.serial,
            issuer: root_dn(self.purpose)?,
            subject,
            validity: leaf.validity,
            extensions,
        };
        x509::certificate(fields, leaf.public, &self.key)
    }

    /// This root's CRL (thisUpdate 2025-06-01, nextUpdate 2035-06-01) listing
    /// `revoked` serials, each with its reason and a revocation date of 2025-05-20.
    pub fn crl(&self, number: u8, revoked: &[(u32, CrlReason)]) -> Result<Vec<u8>> {
        let mut entries = Vec::with_capacity(revoked.len());
        for (serial, reason) in revoked {
            entries.push(RevokedCert {
                serial_number: SerialNumber::from(*serial),
                revocation_date: utc(2025, 5, 20, 3, 0, 0)?,
                crl_entry_extensions: Some(vec![ext(false, reason)?]),
            });
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(self.key_id.clone())?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let extensions = vec![
            ext(false, &aki)?,
            ext(false, &CrlNumber(Uint::new(&[number])?))?,
        ];
        x509::crl(
            root_dn(self.purpose)?,
            utc(2025, 6, 1, 0, 0, 0)?,
            utc(2035, 6, 1, 0, 0, 0)?,
            entries,
            extensions,
            &self.key,
        )
    }
}

/// What varies between leaf certificates.
pub struct Leaf<'a> {
    /// Certificate serial (4 bytes).
    pub serial: u32,
    /// Subject CN: an opaque issuance id (signing) or 23-character id (auth).
    pub common_name: &'a str,
    /// Romanised prefecture (`Tokyo-to`), for the subject and the CRL DP.
    pub prefecture: &'a str,
    /// Romanised municipality (`Suginami-ku`).
    pub city: &'a str,
    /// notBefore / notAfter.
    pub validity: Validity,
    /// The holder's public key.
    pub public: &'a RsaPublicKey,
}
