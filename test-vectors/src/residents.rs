//! The fictional residents: the input spec from which every certificate,
//! card and `expected/*.json` file is derived.

use crate::cards::{JUKI_CARD, MY_NUMBER_CARD};
use crate::pki::Generation;

/// One fictional resident and the card they hold. This table is the input
/// spec: certificates, cards and `expected/*.json` are all derived from it.
pub struct Resident {
    /// File name (`cards/<card>.json`) and key label.
    pub card: &'static str,
    /// What the card exercises.
    pub description: &'static str,
    /// 氏名: surname, U+3000, given name.
    pub name: &'static str,
    /// Characters of `name` that are substitute characters (flag `1`).
    pub name_substitute_chars: &'static [char],
    /// 住所, from the prefecture.
    pub address: &'static str,
    /// Characters of `address` that are substitute characters.
    pub address_substitute_chars: &'static [char],
    /// Era code 0–5 (0 unknown, 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和).
    pub era: u8,
    /// Gregorian birth date.
    pub birth: (u16, u8, u8),
    /// `1` male, `2` female, `3` unknown.
    pub gender: &'static str,
    /// Romanised prefecture for the subject DN and CRL DP.
    pub prefecture: &'static str,
    /// Romanised municipality.
    pub city: &'static str,
    /// The 4-digit auth PIN.
    pub auth_pin: &'static str,
    /// The signing password; `None` means the card has no signing certificate.
    pub signing_password: Option<&'static str>,
    /// Auth PIN tries left.
    pub auth_tries: u8,
    /// Signing password tries left.
    pub signing_tries: u8,
    /// Which root generation issued the leaves.
    pub generation: Generation,
    /// Leaves valid 2019-04-01 → 2024-03-31T14:59:59Z instead of 2025 → 2030.
    pub expired: bool,
    /// Both leaves listed in their generation's CRLs.
    pub revoked: bool,
    /// Token label in EF `0006`.
    pub token_label: &'static str,
    /// Filler byte after the DER in certificate EFs.
    pub filler: u8,
}

const fn resident(card: &'static str, description: &'static str) -> Resident {
    Resident {
        card,
        description,
        name: "",
        name_substitute_chars: &[],
        address: "",
        address_substitute_chars: &[],
        era: 4,
        birth: (1990, 1, 1),
        gender: "1",
        prefecture: "",
        city: "",
        auth_pin: "",
        signing_password: None,
        auth_tries: 3,
        signing_tries: 5,
        generation: Generation::G1,
        expired: false,
        revoked: false,
        token_label: MY_NUMBER_CARD,
        filler: 0xFF,
    }
}

/// All residents, in output order.
pub const RESIDENTS: [Resident; 11] = [
    Resident {
        name: "田中　花子",
        address: "東京都杉並区阿佐谷南九丁目９番９９号",
        era: 4,
        birth: (1990, 1, 2),
        gender: "2",
        prefecture: "Tokyo-to",
        city: "Suginami-ku",
        auth_pin: "1234",
        signing_password: Some("HANAKO1990"),
        ..resident("tanaka-hanako", "The main demo card: a Heisei-born woman in Tokyo, everything valid, issued under the g1 roots.")
    },
    Resident {
        name: "佐藤　一郎",
        address: "大阪府大阪市北区梅田九丁目９９番９９－９９９号　シオリ梅田ステーションフロントグランドタワーレジデンス・イーストウイング北棟３２階３２０１号室",
        era: 3,
        birth: (1958, 7, 15),
        gender: "1",
        prefecture: "Osaka-fu",
        city: "Osaka-shi",
        auth_pin: "0529",
        signing_password: Some("ICHIRO0715"),
        generation: Generation::G2,
        filler: 0x00,
        ..resident("sato-ichiro", "A Showa-born man with a 71-character (213-byte UTF-8) address, so the SAN value needs a long-form DER length; issued under the g2 roots; auth PIN with a leading zero.")
    },
    Resident {
        name: "髙橋　和子",
        name_substitute_chars: &['髙'],
        address: "京都府京都市左京区吉田上大﨑町九十九番地",
        address_substitute_chars: &['﨑'],
        era: 2,
        birth: (1925, 3, 10),
        gender: "3",
        prefecture: "Kyoto-fu",
        city: "Kyoto-shi",
        auth_pin: "2580",
        signing_password: Some("KAZUKO1925"),
        ..resident("takahashi-kazuko", "A Taisho-born resident with gender 3 (unknown) and substitute characters flagged in both the name (髙) and the address (﨑).")
    },
    Resident {
        name: "鈴木　稔",
        address: "北海道札幌市中央区北九十九条西九十九丁目９番９号",
        era: 0,
        birth: (1945, 8, 15),
        gender: "1",
        prefecture: "Hokkaido",
        city: "Sapporo-shi",
        auth_pin: "0815",
        signing_password: Some("MINORU45"),
        auth_tries: 1,
        signing_tries: 1,
        generation: Generation::G2,
        filler: 0x00,
        ..resident("suzuki-minoru", "Era code 0 (unknown) in the birth date, a one-character given name, and ONE try left on both the auth PIN and the signing password.")
    },
    Resident {
        name: "山田　太郎",
        address: "愛知県名古屋市中区栞町一丁目２番３号",
        era: 3,
        birth: (1975, 5, 5),
        gender: "1",
        prefecture: "Aichi-ken",
        city: "Nagoya-shi",
        auth_pin: "7777",
        signing_password: Some("TARO1975"),
        auth_tries: 0,
        signing_tries: 0,
        ..resident("yamada-taro-blocked", "Both the auth PIN and the signing password are blocked (0 tries): only the municipal office can unblock them.")
    },
    Resident {
        name: "小林　陽葵",
        address: "福岡県福岡市中央区天神九丁目９番９号",
        era: 5,
        birth: (2019, 8, 1),
        gender: "2",
        prefecture: "Fukuoka-ken",
        city: "Fukuoka-shi",
        auth_pin: "0801",
        signing_password: None,
        signing_tries: 0,
        generation: Generation::G2,
        filler: 0x00,
        ..resident("kobayashi-child", "A Reiwa-born child: no signing certificate (EF 0001 and keys 001A/001B absent, EF 0008 = 00 8F 00), auth certificate only.")
    },
    Resident {
        name: "伊藤　美咲",
        address: "神奈川県横浜市西区みなとみらい九丁目９番９号",
        era: 4,
        birth: (1995, 11, 23),
        gender: "2",
        prefecture: "Kanagawa-ken",
        city: "Yokohama-shi",
        auth_pin: "1123",
        signing_password: Some("MISAKI1123"),
        expired: true,
        ..resident("ito-expired", "Both leaves expired: valid 2019-04-01 to 2024-03-31T14:59:59Z.")
    },
    Resident {
        name: "渡辺　健一",
        address: "宮城県仙台市青葉区栞ケ丘三丁目４番５号",
        era: 3,
        birth: (1980, 2, 29),
        gender: "1",
        prefecture: "Miyagi-ken",
        city: "Sendai-shi",
        auth_pin: "0229",
        signing_password: Some("KENICHI0229"),
        generation: Generation::G2,
        revoked: true,
        filler: 0x00,
        ..resident("watanabe-revoked", "Valid dates, but both leaf serials are listed (keyCompromise) in the g2 CRLs crl/sign-g2.crl and crl/auth-g2.crl.")
    },
    Resident {
        name: "中村　ハル",
        address: "茨城県つくば市栞台九丁目９番地",
        era: 1,
        birth: (1912, 7, 1),
        gender: "2",
        prefecture: "Ibaraki-ken",
        city: "Tsukuba-shi",
        auth_pin: "0701",
        signing_password: Some("HARU1912"),
        token_label: JUKI_CARD,
        ..resident("nakamura-juki", "An old 住基カード: token label JPKIAPICCTOKEN, not a My Number Card. Meiji-born (era code 1).")
    },
    Resident {
        name: "木村　拓也",
        address: "沖縄県那覇市栞浜九丁目９番９号",
        era: 4,
        birth: (1992, 12, 24),
        gender: "1",
        prefecture: "Okinawa-ken",
        city: "Naha-shi",
        auth_pin: "1224",
        signing_password: Some("TAKUYA1224"),
        generation: Generation::Rogue,
        filler: 0x00,
        ..resident("rogue-card", "Leaves signed by the ROGUE roots (same DN, serial and validity as g1, another key); EFs 0002/000B carry the rogue roots. Must be rejected.")
    },
    Resident {
        name: "田中　花子",
        address: "神奈川県川崎市中原区栞町九丁目９番９号",
        era: 4,
        birth: (1990, 1, 2),
        gender: "2",
        prefecture: "Kanagawa-ken",
        city: "Kawasaki-shi",
        auth_pin: "4321",
        signing_password: Some("HANAKO2025"),
        generation: Generation::G2,
        filler: 0x00,
        ..resident("tanaka-hanako-renewed", "田中花子 after moving to Kawasaki and renewing her card: same name, birth date and gender as tanaka-hanako, a new address, new keys and certificates under the g2 roots. Re-registration must update her patron record and keep her library card number.")
    },
];

/// `0`/`1` flags, one per character of `text`.
fn flags(text: &str, substitutes: &[char]) -> String {
    text.chars()
        .map(|c| if substitutes.contains(&c) { '1' } else { '0' })
        .collect()
}

impl Resident {
    /// `EYYYYMMDD`.
    pub fn birth_date_raw(&self) -> String {
        let (y, m, d) = self.birth;
        format!("{}{y:04}{m:02}{d:02}", self.era)
    }

    /// The six SAN otherName values, in certificate order.
    pub fn san_values(&self) -> [String; 6] {
        [
            self.name.to_owned(),
            self.birth_date_raw(),
            self.gender.to_owned(),
            self.address.to_owned(),
            flags(self.name, self.name_substitute_chars),
            flags(self.address, self.address_substitute_chars),
        ]
    }

    /// notAfter of both leaves, RFC 3339.
    pub fn not_after(&self) -> &'static str {
        if self.expired {
            "2024-03-31T14:59:59Z"
        } else {
            "2030-03-31T14:59:59Z"
        }
    }
}
