//! A synthetic population of TEST residents, for concurrency and load tests
//! that need many *different* people (a re-registration of one card updates
//! one patron, so it cannot stand in for 200 residents).
//!
//! Every resident gets their own signing and auth certificates (own serials,
//! names, addresses, birth dates) issued by the committed g1 TEST roots, so
//! the server's full verification path applies, CRL check included. To keep
//! generation fast, all of them share one TEST holder key pair per purpose;
//! nothing in Shiori keys patrons by public key (the auth certificate's
//! fingerprint is per certificate). Nothing here is written to disk.

use shiori_core::virtual_card::CardImage;

use crate::cards::{ef, token_info, ATR, CERT_EF_SIZE, MY_NUMBER_CARD, SIGN_CERT_EF_SIZE};
use crate::pki::{Generation, Leaf, Purpose, Root};
use crate::{keys, root_label, x509, Result};

/// The signing password of every synthetic resident. TEST ONLY.
pub const PASSWORD: &str = "POPULATION1";
/// The auth PIN of every synthetic resident. TEST ONLY.
pub const PIN: &str = "2468";

/// One synthetic resident: the card, and the facts it should yield.
pub struct Member {
    /// The virtual card.
    pub card: CardImage,
    /// 氏名 as in the certificate.
    pub name: String,
    /// 住所 as in the certificate.
    pub address: String,
}

/// `count` residents (at most 9,999), numbered from 1. Deterministic.
pub fn population(count: u32) -> Result<Vec<Member>> {
    let count = count.min(9_999);
    let sign_root = Root::new(
        Purpose::Sign,
        Generation::G1,
        keys::key(&root_label(Purpose::Sign, Generation::G1))?,
    )?;
    let auth_root = Root::new(
        Purpose::Auth,
        Generation::G1,
        keys::key(&root_label(Purpose::Auth, Generation::G1))?,
    )?;
    let sign_key = keys::key("population/sign")?;
    let auth_key = keys::key("population/auth")?;
    let (sign_public, auth_public) = (sign_key.to_public_key(), auth_key.to_public_key());
    let (sign_pkcs8, auth_pkcs8) = (keys::pkcs8(&sign_key)?, keys::pkcs8(&auth_key)?);
    let mut out = Vec::with_capacity(count as usize);
    for i in 1..=count {
        let name = format!("試験\u{3000}利用者{i:04}");
        let address = format!("東京都栞市試験町{i}番{}号", i % 50 + 1);
        let zeros = |s: &str| "0".repeat(s.chars().count());
        let day = 1 + (i % 28) as u8;
        let month = 1 + (i % 12) as u8;
        let birth = format!("4{:04}{month:02}{day:02}", 1970 + (i % 30));
        let gender = ["1", "2", "3"][(i % 3) as usize];
        let san = [
            name.as_str(),
            &birth,
            gender,
            &address,
            &zeros(&name),
            &zeros(&address),
        ];
        let sign_cn = format!("POPULATION{i:08}");
        let auth_cn = format!("POP{i:020}");
        let sign_cert = sign_root.issue(&leaf(0x7100_0000 + i, &sign_cn, &sign_public)?, &san)?;
        let auth_cert = auth_root.issue(
            &leaf(0x7200_0000 + i, &auth_cn, &auth_public)?,
            &Default::default(),
        )?;
        let files = [
            ("0001", ef(&sign_cert, SIGN_CERT_EF_SIZE, 0xFF)?),
            ("0002", ef(&sign_root.der, CERT_EF_SIZE, 0xFF)?),
            ("0006", token_info(MY_NUMBER_CARD, &format!("POP{i:013}"))),
            ("0008", vec![0x8F, 0x8F, 0x00]),
            ("000A", ef(&auth_cert, CERT_EF_SIZE, 0xFF)?),
            ("000B", ef(&auth_root.der, CERT_EF_SIZE, 0xFF)?),
        ];
        let card = CardImage {
            test_only: true,
            name: format!("population-{i:04}"),
            description: "synthetic TEST resident (test-vectors population)".into(),
            files: files
                .into_iter()
                .map(|(k, v)| (k.to_string(), hex::encode_upper(v)))
                .collect(),
            auth_key_pkcs8: hex::encode_upper(&auth_pkcs8),
            signing_key_pkcs8: Some(hex::encode_upper(&sign_pkcs8)),
            auth_pin: PIN.into(),
            signing_password: Some(PASSWORD.into()),
            auth_tries_left: 3,
            signing_tries_left: 5,
            atr: ATR.into(),
        };
        out.push(Member {
            card,
            name,
            address,
        });
    }
    Ok(out)
}

fn leaf<'a>(serial: u32, common_name: &'a str, public: &'a rsa::RsaPublicKey) -> Result<Leaf<'a>> {
    Ok(Leaf {
        serial,
        common_name,
        prefecture: "Tokyo-to",
        city: "Shiori-shi",
        validity: x509_cert::time::Validity {
            not_before: x509::utc(2025, 4, 1, 0, 0, 0)?,
            not_after: x509::utc(2030, 3, 31, 14, 59, 59)?,
        },
        public,
    })
}
