//! Trust anchors: the J-LIS roots an operator configured, per purpose.

use std::path::Path;

use shiori_core::cert::{CertError, CertificatePurpose, JpkiCertificate};

/// Why anchors could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    /// A file could not be read.
    #[error("cannot read trust anchor {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A file is not a JPKI root certificate.
    #[error("trust anchor {path} is not a JPKI root certificate: {reason}")]
    NotARoot {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No anchor was configured for a purpose.
    #[error("no trust anchor configured for {0}")]
    Missing(&'static str),
}

/// The roots for signing and for user-authentication certificates. Several
/// generations per purpose share one DN; they are told apart by key.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    signing: Vec<JpkiCertificate>,
    auth: Vec<JpkiCertificate>,
}

impl TrustAnchors {
    /// Anchors from DER certificates. Each must be a self-signed JPKI CA.
    pub fn from_der(signing: &[&[u8]], auth: &[&[u8]]) -> Result<Self, AnchorError> {
        let named = |ders: &[&[u8]], what: &str| -> Vec<(String, Vec<u8>)> {
            ders.iter()
                .enumerate()
                .map(|(i, d)| (format!("{what} anchor #{}", i + 1), d.to_vec()))
                .collect()
        };
        Self::load(named(signing, "signing"), named(auth, "auth"))
    }

    /// Anchors from DER files.
    pub fn from_files(signing: &[&Path], auth: &[&Path]) -> Result<Self, AnchorError> {
        let read = |paths: &[&Path]| -> Result<Vec<(String, Vec<u8>)>, AnchorError> {
            paths
                .iter()
                .map(|p| {
                    let path = p.display().to_string();
                    match std::fs::read(p) {
                        Ok(der) => Ok((path, der)),
                        Err(source) => Err(AnchorError::Io { path, source }),
                    }
                })
                .collect()
        };
        Self::load(read(signing)?, read(auth)?)
    }

    fn load(
        signing: Vec<(String, Vec<u8>)>,
        auth: Vec<(String, Vec<u8>)>,
    ) -> Result<Self, AnchorError> {
        let parse = |items: Vec<(String, Vec<u8>)>, what: &'static str| {
            if items.is_empty() {
                return Err(AnchorError::Missing(what));
            }
            items
                .into_iter()
                .map(|(path, der)| {
                    root(&der).map_err(|reason| AnchorError::NotARoot { path, reason })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            signing: parse(signing, "signing certificates")?,
            auth: parse(auth, "user-authentication certificates")?,
        })
    }

    /// The anchors for a leaf purpose.
    pub fn for_purpose(&self, purpose: CertificatePurpose) -> &[JpkiCertificate] {
        match purpose {
            CertificatePurpose::Signing => &self.signing,
            CertificatePurpose::Authentication => &self.auth,
            CertificatePurpose::CertificateAuthority => &[],
        }
    }

    /// Every anchor (to find a CRL's issuer).
    pub fn all(&self) -> impl Iterator<Item = &JpkiCertificate> {
        self.signing.iter().chain(self.auth.iter())
    }
}

fn root(der: &[u8]) -> Result<JpkiCertificate, String> {
    let c = JpkiCertificate::from_der(der).map_err(|e: CertError| e.to_string())?;
    if !c.is_ca() {
        return Err("not a CA certificate".into());
    }
    c.verify_issued_by(&c)
        .map_err(|_| "not self-signed".to_string())?;
    Ok(c)
}
