//! How each resident's virtual card (`cards/*.json`) and expected facts
//! (`expected/*.json`) are assembled.

use std::collections::BTreeMap;

use serde::Serialize;
use shiori_core::virtual_card::CardImage;

use crate::residents::Resident;
use crate::{Error, Result};

/// The ATR OpenSC's JPKI driver matches (`3b:e0:00:ff:81:31:fe:45:14`).
pub const ATR: &str = "3BE000FF8131FE4514";
/// Size of the signing-certificate EF `0001` (DER + filler).
pub const SIGN_CERT_EF_SIZE: usize = 2560;
/// Size of the other certificate EFs (`0002`, `000A`, `000B`).
pub const CERT_EF_SIZE: usize = 2048;
/// Token label of a physical My Number Card.
pub const MY_NUMBER_CARD: &str = "JPKIAPICCTOKEN2";
/// Token label of an old 住基カード (Basic Resident Register card).
pub const JUKI_CARD: &str = "JPKIAPICCTOKEN";

/// The facts a parser must find in the signing certificate (`expected/<card>.json`).
#[derive(Serialize)]
struct Expected<'a> {
    name: &'a str,
    name_substitutes: &'a str,
    address: &'a str,
    address_substitutes: &'a str,
    birth_date_raw: &'a str,
    era: u8,
    birth_date: String,
    gender: &'a str,
    signing_serial_hex: String,
    auth_serial_hex: String,
    auth_pin: &'a str,
    signing_password: &'a str,
    not_after: &'a str,
}

/// `expected/<card>.json` for a resident with a signing certificate.
pub fn expected_json(r: &Resident, sign_serial: u32, auth_serial: u32) -> Result<Vec<u8>> {
    let san = r.san_values();
    let (y, m, d) = r.birth;
    let expected = Expected {
        name: r.name,
        name_substitutes: &san[4],
        address: r.address,
        address_substitutes: &san[5],
        birth_date_raw: &san[1],
        era: r.era,
        birth_date: format!("{y:04}-{m:02}-{d:02}"),
        gender: r.gender,
        signing_serial_hex: format!("{sign_serial:08X}"),
        auth_serial_hex: format!("{auth_serial:08X}"),
        auth_pin: r.auth_pin,
        signing_password: r.signing_password.unwrap_or_default(),
        not_after: r.not_after(),
    };
    pretty(&expected)
}

/// Pretty JSON with a trailing newline.
pub fn pretty<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut out = serde_json::to_string_pretty(value)?;
    out.push('\n');
    Ok(out.into_bytes())
}

/// A certificate EF: the DER followed by `filler` up to `size` bytes.
pub fn ef(der: &[u8], size: usize, filler: u8) -> Result<Vec<u8>> {
    if der.len() > size {
        return Err(Error::Spec(format!(
            "certificate of {} bytes does not fit an EF of {size}",
            der.len()
        )));
    }
    let mut out = der.to_vec();
    out.resize(size, filler);
    Ok(out)
}

fn ascii_field(out: &mut Vec<u8>, text: &str, width: usize) {
    let start = out.len();
    out.extend(text.bytes().take(width));
    out.resize(start + width, b' ');
}

/// EF `0006`: a 160-byte PKCS#11 `CK_TOKEN_INFO` with 4-byte big-endian `CK_ULONG`s.
pub fn token_info(label: &str, serial: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    ascii_field(&mut out, label, 32);
    ascii_field(&mut out, "JPKI-TEST (Shiori virtual card)", 32);
    ascii_field(&mut out, "SHIORI-VCARD", 16);
    ascii_field(&mut out, serial, 16);
    let ulongs: [u32; 11] = [
        0x0000_040D, // flags: RNG | WRITE_PROTECTED | LOGIN_REQUIRED | USER_PIN_INITIALIZED | TOKEN_INITIALIZED
        0,           // ulMaxSessionCount: CK_EFFECTIVELY_INFINITE
        u32::MAX,    // ulSessionCount: CK_UNAVAILABLE_INFORMATION
        0,           // ulMaxRwSessionCount
        u32::MAX,    // ulRwSessionCount
        16,          // ulMaxPinLen
        4,           // ulMinPinLen
        u32::MAX,    // ulTotalPublicMemory
        u32::MAX,    // ulFreePublicMemory
        u32::MAX,    // ulTotalPrivateMemory
        u32::MAX,    // ulFreePrivateMemory
    ];
    for v in ulongs {
        out.extend(v.to_be_bytes());
    }
    out.extend(b"03"); // hardwareVersion, ASCII as on real cards
    out.extend(b"01"); // firmwareVersion
    ascii_field(&mut out, "", 16); // utcTime: no clock on the token
    out
}

/// The card's EFs and secrets, ready to serialise.
pub struct CardParts {
    /// EF `0001` (signing cert DER), if any.
    pub sign_cert: Option<Vec<u8>>,
    /// EF `0002` (signing root DER).
    pub sign_root: Vec<u8>,
    /// EF `000A` (auth cert DER).
    pub auth_cert: Vec<u8>,
    /// EF `000B` (auth root DER).
    pub auth_root: Vec<u8>,
    /// Auth key PKCS#8.
    pub auth_key: Vec<u8>,
    /// Signing key PKCS#8, if any.
    pub sign_key: Option<Vec<u8>>,
    /// 16 ASCII characters for the token serial.
    pub token_serial: String,
}

/// `cards/<card>.json`.
pub fn card_json(r: &Resident, parts: &CardParts) -> Result<Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut put =
        |fid: &str, bytes: Vec<u8>| files.insert(fid.to_owned(), hex::encode_upper(bytes));
    if let Some(cert) = &parts.sign_cert {
        put("0001", ef(cert, SIGN_CERT_EF_SIZE, r.filler)?);
    }
    put("0002", ef(&parts.sign_root, CERT_EF_SIZE, r.filler)?);
    put("0006", token_info(r.token_label, &parts.token_serial));
    let availability = if parts.sign_cert.is_some() {
        0x8F
    } else {
        0x00
    };
    put("0008", vec![availability, 0x8F, 0x00]);
    put("000A", ef(&parts.auth_cert, CERT_EF_SIZE, r.filler)?);
    put("000B", ef(&parts.auth_root, CERT_EF_SIZE, r.filler)?);
    let image = CardImage {
        test_only: true,
        name: r.card.to_owned(),
        description: r.description.to_owned(),
        files,
        auth_key_pkcs8: hex::encode_upper(&parts.auth_key),
        signing_key_pkcs8: parts.sign_key.as_ref().map(hex::encode_upper),
        auth_pin: r.auth_pin.to_owned(),
        signing_password: r.signing_password.map(str::to_owned),
        auth_tries_left: r.auth_tries,
        signing_tries_left: r.signing_tries,
        atr: ATR.to_owned(),
    };
    pretty(&image)
}
