//! The catalogue module: search normalization and n-gram terms, ISBN parsing
//! (check digits computed here from the ISO 2108 algorithms, independently
//! of the implementation, and a few published ISBNs), and catalogue CSV
//! import with every rejection code. Property tests feed random input to
//! every entry point (none may panic) and round-trip random ISBN-10s.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use shiori_core::catalogue::{
    index_terms, looks_like_isbn, normalize, parse_catalogue_csv, query_terms, CatalogueRow,
    ImportError, Isbn13, IsbnError, MAX_IMPORT_ROWS,
};

// ---------------------------------------------------------------- helpers

/// ISBN-10 check character of nine digits: weights 10..=2, sum ≡ 0 mod 11.
fn isbn10_check(nine: &str) -> char {
    assert_eq!(nine.len(), 9);
    let sum: u32 = nine
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * (10 - i as u32))
        .sum();
    match (11 - sum % 11) % 11 {
        10 => 'X',
        n => char::from_digit(n, 10).unwrap(),
    }
}

/// ISBN-13 check digit of twelve digits: weights 1, 3, 1, 3, …
fn isbn13_check(twelve: &str) -> char {
    assert_eq!(twelve.len(), 12);
    let sum: u32 = twelve
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap()
}

/// The full ISBN-10 of nine digits.
fn isbn10(nine: &str) -> String {
    format!("{nine}{}", isbn10_check(nine))
}

/// The ISBN-13 of nine ISBN-10 digits (978 prefix).
fn isbn13_of(nine: &str) -> String {
    let twelve = format!("978{nine}");
    format!("{twelve}{}", isbn13_check(&twelve))
}

fn parse(text: &str) -> Result<String, IsbnError> {
    Isbn13::parse(text).map(|isbn| isbn.as_str().to_owned())
}

fn import(text: &str) -> shiori_core::catalogue::CatalogueImport {
    parse_catalogue_csv(text.as_bytes()).expect("file-level error")
}

// ---------------------------------------------------------- normalization

#[test]
fn normalize_examples() {
    assert_eq!(normalize("ノルウェイの森"), "のるうぇいの森");
    assert_eq!(normalize("Ｈａｒｒｙ　Ｐｏｔｔｅｒ"), "harry potter");
    assert_eq!(normalize("吾輩は猫である"), "吾輩は猫である");
}

#[test]
fn normalize_full_width_digits_and_half_width_kana() {
    assert_eq!(normalize("１Ｑ８４　ＢＯＯＫ１"), "1q84 book1");
    assert_eq!(normalize("２０２３年"), "2023年");
    assert_eq!(normalize("ﾉﾙｳｪｲの森"), "のるうぇいの森");
    assert_eq!(normalize("ｶﾞｲﾄﾞﾌﾞｯｸ"), "がいどぶっく");
}

#[test]
fn normalize_keeps_long_vowel_mark_and_kanji() {
    assert_eq!(normalize("コーヒー"), "こーひー");
    assert_eq!(normalize("ヴァイオリン"), "ゔぁいおりん");
    assert_eq!(normalize("ヶ月"), "ゖ月");
}

#[test]
fn normalize_punctuation_and_whitespace() {
    assert_eq!(normalize("「吾輩は猫である」（上）"), "吾輩は猫である 上");
    assert_eq!(normalize("海辺のカフカ・上巻"), "海辺のかふか 上巻");
    assert_eq!(normalize("  a \t\n b　　c  "), "a b c");
    assert_eq!(
        normalize("Harry Potter and the Philosopher's Stone!"),
        "harry potter and the philosopher s stone"
    );
    assert_eq!(normalize("何？　なぜ！"), "何 なぜ");
    assert_eq!(normalize("、。・"), "");
    assert_eq!(normalize(""), "");
}

// ------------------------------------------------------------ n-gram terms

#[test]
fn index_terms_example() {
    assert_eq!(
        index_terms("村上 春樹"),
        ["村", "上", "村上", "春", "樹", "春樹"]
    );
    assert_eq!(index_terms("ああああ"), ["あ", "ああ"]);
    assert!(index_terms("").is_empty());
    assert_eq!(index_terms("猫"), ["猫"]);
}

#[test]
fn query_terms_examples() {
    assert_eq!(query_terms("猫"), ["猫"]);
    assert_eq!(query_terms("村上"), ["村上"]);
    assert_eq!(query_terms("harry"), ["ha", "ar", "rr", "ry"]);
    assert_eq!(query_terms("ああああ"), ["ああ"]);
    assert!(query_terms("").is_empty());
}

#[test]
fn query_finds_title_through_normalization() {
    let title = index_terms(&normalize("ノルウェイの森（上）"));
    for query in ["のるうぇい", "ﾉﾙｳｪｲ", "森", "上", "の森"] {
        for word in normalize(query).split(' ') {
            let terms = query_terms(word);
            assert!(!terms.is_empty());
            assert!(terms.iter().all(|t| title.contains(t)), "{query}");
        }
    }
    let terms = query_terms(&normalize("ねこ"));
    assert!(!terms.iter().all(|t| title.contains(t)));
}

// ------------------------------------------------------------------- ISBN

#[test]
fn check_digit_helpers_agree_with_published_isbns() {
    // The examples of the ISBN article and ISO 2108.
    assert_eq!(isbn10_check("030640615"), '2');
    assert_eq!(isbn13_check("978030640615"), '7');
    assert_eq!(isbn13_check("978186197876"), '9');
    assert_eq!(isbn10_check("080442957"), 'X');
    // Japanese group 4, computed by hand from the weights.
    assert_eq!(isbn10_check("406274868"), '1');
    assert_eq!(isbn13_check("978410101001"), '4');
}

#[test]
fn published_isbns() {
    assert_eq!(parse("0-306-40615-2").unwrap(), "9780306406157");
    assert_eq!(parse("978-0-306-40615-7").unwrap(), "9780306406157");
    assert_eq!(parse("978-1-86197-876-9").unwrap(), "9781861978769");
    assert_eq!(parse("0-8044-2957-X").unwrap(), isbn13_of("080442957"));
}

#[test]
fn japanese_isbns_in_every_spelling() {
    let expected = isbn13_of("406274868");
    let ten = isbn10("406274868");
    assert_eq!(ten, "4062748681");
    for text in [
        "4-06-274868-1".to_owned(),
        "4 06 274868 1".to_owned(),
        "4062748681".to_owned(),
        "ISBN 4-06-274868-1".to_owned(),
        "ISBN4-06-274868-1".to_owned(),
        "isbn: 4062748681".to_owned(),
        "ISBN-10: 4-06-274868-1".to_owned(),
        "  ISBN10 4062748681  ".to_owned(),
        "４－０６－２７４８６８－１".to_owned(),
        expected.clone(),
        format!("978-4-06-274868-{}", &expected[12..]),
        format!("ISBN-13: {expected}"),
        format!("ISBN：{expected}"),
        format!("ISBN　{expected}"),
    ] {
        assert_eq!(parse(&text), Ok(expected.clone()), "{text}");
    }
    let isbn = Isbn13::parse("4-06-274868-1").unwrap();
    assert_eq!(isbn.to_string(), expected);
    assert_eq!(isbn.hyphenless_isbn10().as_deref(), Some("4062748681"));
}

#[test]
fn x_check_character() {
    let nine = "480502108";
    assert_eq!(isbn10_check(nine), 'X');
    assert_eq!(parse("4-8050-2108-X").unwrap(), isbn13_of(nine));
    assert_eq!(parse("4-8050-2108-x").unwrap(), isbn13_of(nine));
    let isbn = Isbn13::parse("480502108x").unwrap();
    assert_eq!(isbn.hyphenless_isbn10().as_deref(), Some("480502108X"));
    // X anywhere else, or in an ISBN-13, is a bad character.
    assert_eq!(parse("48050210X8"), Err(IsbnError::Character('X')));
    assert_eq!(parse("978480502108X"), Err(IsbnError::Character('X')));
}

#[test]
fn wrong_check_digit() {
    assert_eq!(parse("4-06-274868-2"), Err(IsbnError::CheckDigit));
    assert_eq!(parse("4-06-274868-X"), Err(IsbnError::CheckDigit));
    assert_eq!(parse("978-0-306-40615-8"), Err(IsbnError::CheckDigit));
    // Two digits swapped.
    assert_eq!(parse("0-306-46015-2"), Err(IsbnError::CheckDigit));
}

#[test]
fn wrong_length() {
    assert_eq!(parse(""), Err(IsbnError::Length(0)));
    assert_eq!(parse("ISBN"), Err(IsbnError::Length(0)));
    assert_eq!(parse("406274868"), Err(IsbnError::Length(9)));
    assert_eq!(parse("40627486811"), Err(IsbnError::Length(11)));
    assert_eq!(parse("97840627486811"), Err(IsbnError::Length(14)));
}

#[test]
fn wrong_prefix() {
    // A 977 (ISSN) code with a correct EAN-13 check digit.
    let twelve = "977000000000";
    let ean = format!("{twelve}{}", isbn13_check(twelve));
    assert_eq!(parse(&ean), Err(IsbnError::Prefix));
    assert_eq!(parse("4901234567894"), Err(IsbnError::Prefix));
}

#[test]
fn letters_and_symbols() {
    assert_eq!(parse("4-06-27A868-1"), Err(IsbnError::Character('A')));
    assert_eq!(parse("ISBN 4.06.274868.1"), Err(IsbnError::Character('.')));
    assert_eq!(
        parse("四〇六二七四八六八一"),
        Err(IsbnError::Character('四'))
    );
    assert_eq!(parse("ISSN 0317-8471"), Err(IsbnError::Character('I')));
}

#[test]
fn isbn_979_has_no_isbn10() {
    let twelve = "979103414507";
    let text = format!("{twelve}{}", isbn13_check(twelve));
    let isbn = Isbn13::parse(&text).unwrap();
    assert_eq!(isbn.as_str(), text);
    assert_eq!(isbn.hyphenless_isbn10(), None);
}

#[test]
fn isbn_error_codes_and_messages() {
    for (err, code) in [
        (IsbnError::Length(9), "isbn_length"),
        (IsbnError::Character('A'), "isbn_character"),
        (IsbnError::CheckDigit, "isbn_check_digit"),
        (IsbnError::Prefix, "isbn_prefix"),
    ] {
        assert_eq!(err.code(), code);
        assert!(!err.to_string().is_empty());
    }
    assert!(IsbnError::Length(9).to_string().contains('9'));
}

#[test]
fn isbn_serde_validates() {
    let isbn = Isbn13::parse("0-306-40615-2").unwrap();
    let json = serde_json::to_string(&isbn).unwrap();
    assert_eq!(json, "\"9780306406157\"");
    assert_eq!(serde_json::from_str::<Isbn13>(&json).unwrap(), isbn);
    assert!(serde_json::from_str::<Isbn13>("\"9780306406158\"").is_err());
    let parsed: Isbn13 = "0306406152".parse().unwrap();
    assert_eq!(parsed, isbn);
}

#[test]
fn looks_like_isbn_cases() {
    assert!(looks_like_isbn("4-06-274868-1"));
    assert!(looks_like_isbn("4062748682")); // wrong check digit, still an attempt
    assert!(looks_like_isbn("480502108x"));
    assert!(looks_like_isbn("480502108X"));
    assert!(looks_like_isbn("978-4-06-274868-1"));
    assert!(!looks_like_isbn("40627486"));
    assert!(!looks_like_isbn("48050210x8"));
    assert!(!looks_like_isbn("978406274868x"));
    assert!(!looks_like_isbn("村上春樹"));
    assert!(!looks_like_isbn(""));
    assert!(!looks_like_isbn("２０２３"));
    assert!(looks_like_isbn("４－０６－２７４８６８－１"));
    assert!(!looks_like_isbn("4 06 274868 1")); // one word at a time
    assert!(!looks_like_isbn(&normalize("4-06-274868-1")));
}

// --------------------------------------------------------------------- CSV

#[test]
fn good_file_with_bom_reordered_and_unknown_columns() {
    let ten = isbn10("406274868");
    let text = format!(
        "\u{feff}Branch,item_barcode,memo,title,authors,isbn,year,title_kana,publisher,subjects,shelf\n\
         main,B-0001,寄贈,ノルウェイの森,村上春樹,{ten},1987,ノルウェイノモリ,講談社,小説；日本文学; ,913.6/ム\n\
         ,,,吾輩は猫である,夏目漱石,,,,,,\n\
         east_2,０００２,,\"Harry Potter, and the Stone\",J. K. Rowling; ;松岡佑子,,２００１, ,,,\n"
    );
    let import = import(&text);
    assert!(import.rejected.is_empty(), "{:?}", import.rejected);
    assert_eq!(
        import.rows,
        [
            CatalogueRow {
                line: 2,
                isbn: Some(Isbn13::parse(&ten).unwrap()),
                title: "ノルウェイの森".into(),
                title_kana: Some("ノルウェイノモリ".into()),
                authors: vec!["村上春樹".into()],
                publisher: Some("講談社".into()),
                year: Some(1987),
                subjects: vec!["小説".into(), "日本文学".into()],
                item_barcode: Some("B-0001".into()),
                branch: Some("main".into()),
                shelf: Some("913.6/ム".into()),
            },
            CatalogueRow {
                line: 3,
                isbn: None,
                title: "吾輩は猫である".into(),
                title_kana: None,
                authors: vec!["夏目漱石".into()],
                publisher: None,
                year: None,
                subjects: vec![],
                item_barcode: None,
                branch: None,
                shelf: None,
            },
            CatalogueRow {
                line: 4,
                isbn: None,
                title: "Harry Potter, and the Stone".into(),
                title_kana: None,
                authors: vec!["J. K. Rowling".into(), "松岡佑子".into()],
                publisher: None,
                year: Some(2001),
                subjects: vec![],
                item_barcode: Some("0002".into()),
                branch: Some("east_2".into()),
                shelf: None,
            },
        ]
    );
    assert_eq!(
        import.rows[0].isbn.as_ref().map(Isbn13::as_str),
        Some(isbn13_of("406274868").as_str())
    );
}

#[test]
fn only_title_column_and_crlf() {
    let import = import("title\r\n猫\r\n\r\n森\r\n");
    assert!(import.rejected.is_empty());
    let titles: Vec<_> = import
        .rows
        .iter()
        .map(|r| (r.line, r.title.as_str()))
        .collect();
    assert_eq!(titles, [(2, "猫"), (4, "森")]);
}

#[test]
fn line_numbers_with_every_line_ending() {
    let lf = "\ntitle,shelf\n猫,1\n\n\"森\n林\",2\n雪,3\n\n\n,4\n花,5";
    for ending in ["\n", "\r\n", "\r"] {
        let import = import(&lf.replace('\n', ending));
        let rows: Vec<_> = import
            .rows
            .iter()
            .map(|r| (r.line, r.title.as_str()))
            .collect();
        assert_eq!(rows, [(3, "猫"), (7, "雪"), (11, "花")], "{ending:?}");
        let rejected: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(
            rejected,
            [
                (5, "control_character"),
                (6, "continued_row"),
                (10, "missing_title")
            ],
            "{ending:?}"
        );
    }
}

#[test]
fn every_rejection_code_with_its_line() {
    let long_title = "長".repeat(501);
    let ok_title = "長".repeat(500);
    let long_shelf = "a".repeat(101);
    let text = format!(
        "title,isbn,year,item_barcode,branch,shelf\n\
         ok,,,A-1,main,\n\
         bad isbn,4-06-274868-2,,,,\n\
         ,,,,,\n\
         bad year,,87,,,\n\
         late year,,2101,,,\n\
         bad barcode,,,A_1,main,\n\
         no branch,,,A-2,,\n\
         too,many,,,,,\n\
         few,,\n\
         \"multi\nline\",,,,,\n\
         dup,,,A-1,east,\n\
         {long_title},,,,,\n\
         shelf,,,,,{long_shelf}\n\
         bad branch,,,A-3,本館,\n\
         nul,,,A-4\u{0},main,\n\
         {ok_title},,1000,,,\n"
    );
    let import = import(&text);
    let got: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(
        got,
        [
            (3, "invalid_isbn"),
            (4, "missing_title"),
            (5, "invalid_year"),
            (6, "invalid_year"),
            (7, "invalid_barcode"),
            (8, "missing_branch"),
            (9, "malformed_row"),
            (10, "malformed_row"),
            (11, "control_character"),
            (12, "continued_row"),
            (13, "duplicate_barcode"),
            (14, "field_too_long"),
            (15, "field_too_long"),
            (16, "invalid_branch"),
            (17, "control_character"),
        ]
    );
    let accepted: Vec<_> = import.rows.iter().map(|r| r.line).collect();
    assert_eq!(accepted, [2, 18]);

    let reason = |line: u64| {
        import
            .rejected
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reason.clone())
            .unwrap()
    };
    assert!(reason(3).contains("`isbn`") && reason(3).contains("check digit"));
    assert!(reason(4).contains("`title`"));
    assert!(reason(5).contains("`year`") && reason(5).contains("87"));
    assert!(reason(7).contains("`item_barcode`"));
    assert!(reason(8).contains("`branch`"));
    assert!(reason(9).contains("7 fields") && reason(9).contains('6'));
    assert!(reason(11).contains("`title`"));
    assert!(reason(13).contains("A-1") && reason(13).contains("line 2"));
    assert!(reason(14).contains("`title`") && reason(14).contains("500"));
    assert!(reason(15).contains("`shelf`"));
    assert!(reason(16).contains("`branch`"));
    assert!(reason(17).contains("`item_barcode`"));
}

/// The lines of `text` after the header that hold anything, as the
/// importer must account for them (line endings as the importer reads
/// them).
fn data_lines(text: &str) -> Vec<u64> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines = text.split('\n').enumerate().filter(|(_, l)| !l.is_empty());
    lines.next(); // the header
    lines.map(|(i, _)| i as u64 + 1).collect()
}

/// Lines imported and rejected, together, in order.
fn accounted(import: &shiori_core::catalogue::CatalogueImport) -> Vec<u64> {
    let mut lines: Vec<u64> = import.rows.iter().map(|r| r.line).collect();
    lines.extend(import.rejected.iter().map(|r| r.line));
    lines.sort_unstable();
    lines
}

/// The review's file: a `"` opens line 3 and never closes; csv read the 50
/// rows after it as part of line 3's first field, and the report said
/// "imported 1; 1 rejected (line 3)".
#[test]
fn a_stray_quote_rejects_only_its_own_line() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors/catalogue/stray-quote.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let import = import(&text);
    let rejected: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(rejected, [(3, "malformed_quote")]);
    assert!(import.rejected[0].reason.contains("`title`"));
    assert_eq!(import.rows.len(), 51);
    assert_eq!(import.rows[50].title, "栞の後ろ 50");
    assert_eq!(import.rows[50].line, 53);
    assert_eq!(accounted(&import), data_lines(&text));
}

/// A stray quote that a later stray quote closes makes one record of the
/// lines between. With the wrong number of fields, only the line where the
/// quote opened is rejected and the lines after it are read on their own;
/// with the right number (by chance) it looks like a cell with line breaks
/// and every line of it is listed. Either way no line goes unreported.
#[test]
fn a_quote_closed_on_a_later_line_rejects_its_line_or_lists_every_line() {
    let wrong_count = "title,authors,year\n\
                       a,\"b,2000\n\
                       c,d,2001\n\
                       e,f\",x,2002\n\
                       g,h,2003\n";
    let broken = import(wrong_count);
    let rejected: Vec<_> = broken.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(rejected, [(2, "malformed_quote"), (4, "malformed_row")]);
    assert!(broken.rejected[0].reason.contains("`authors`"));
    let titles: Vec<_> = broken.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["c", "g"]);
    assert_eq!(accounted(&broken), data_lines(wrong_count));

    let right_count = wrong_count.replace(",x,", ",");
    let import = import(&right_count);
    let rejected: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(
        rejected,
        [
            (2, "control_character"),
            (3, "continued_row"),
            (4, "continued_row")
        ]
    );
    assert_eq!(accounted(&import), data_lines(&right_count));
}

/// A spreadsheet cell with a line break is one well-formed record over
/// three lines: all three are listed, the rows after it are imported.
#[test]
fn a_line_break_in_a_quoted_cell_lists_every_line_of_the_row() {
    let text = "title,memo\nbefore,x\n\"猫\",\"one\ntwo\n\nthree\"\nafter,y\n";
    let import = import(text);
    let rejected: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(
        rejected,
        [
            (3, "control_character"),
            (4, "continued_row"),
            (6, "continued_row")
        ]
    );
    assert!(import.rejected[1].reason.contains("line 3"));
    let rows: Vec<_> = import
        .rows
        .iter()
        .map(|r| (r.line, r.title.as_str()))
        .collect();
    assert_eq!(rows, [(2, "before"), (7, "after")]);
    assert_eq!(accounted(&import), data_lines(text));
}

#[test]
fn a_header_with_an_open_quote_refuses_the_file() {
    let err = parse_catalogue_csv("\"title,authors\na,b\n".as_bytes()).unwrap_err();
    assert!(matches!(err, ImportError::HeaderQuote { line: 1 }), "{err}");
    assert_eq!(err.code(), "import_unreadable");
}

#[test]
fn a_rejected_row_does_not_claim_its_barcode() {
    let import = import("title,item_barcode,branch,year\nbad,X1,main,99\ngood,X1,main,2000\n");
    assert_eq!(import.rejected.len(), 1);
    assert_eq!(import.rows.len(), 1);
    assert_eq!(import.rows[0].line, 3);
}

#[test]
fn control_character_in_unknown_column_is_named_by_position() {
    let import = import("title,memo\nok,a\u{7}b\n");
    assert_eq!(import.rejected[0].code, "control_character");
    assert!(import.rejected[0].reason.contains("column 2"));
}

#[test]
fn missing_title_column() {
    let err = parse_catalogue_csv("isbn,authors\n4062748681,村上春樹\n".as_bytes()).unwrap_err();
    assert_eq!(err.code(), "import_missing_column");
    assert!(err.to_string().contains("`title`"));
    assert!(matches!(
        err,
        ImportError::MissingColumn { column: "title" }
    ));
    let err = parse_catalogue_csv(&b""[..]).unwrap_err();
    assert_eq!(err.code(), "import_missing_column");
}

#[test]
fn duplicate_known_column() {
    let err = parse_catalogue_csv("title,isbn,Title\na,,b\n".as_bytes()).unwrap_err();
    assert_eq!(err.code(), "import_duplicate_column");
    assert!(err.to_string().contains("`title`"));
    // Unknown columns may repeat.
    assert!(parse_catalogue_csv("title,memo,memo\na,,\n".as_bytes()).is_ok());
}

/// Bytes that are not UTF-8 refuse the whole file (chosen over rejecting
/// rows: a Shift_JIS export would otherwise be rejected row by row).
#[test]
fn non_utf8_refuses_the_file() {
    // "猫" in Shift_JIS is 0x94 0x4C.
    let mut bytes = b"title,authors\nok,a\n".to_vec();
    bytes.extend_from_slice(&[0x94, 0x4C, b',', b'x', b'\n']);
    let err = parse_catalogue_csv(&bytes[..]).unwrap_err();
    assert_eq!(err.code(), "import_unreadable");
    assert!(matches!(err, ImportError::NotUtf8 { line: 3 }));
    assert!(err.to_string().contains("UTF-8"));

    let err =
        parse_catalogue_csv(&[0x83, 0x5E, 0x83, 0x43, 0x83, 0x67, 0x83, 0x8B][..]).unwrap_err();
    assert!(matches!(err, ImportError::NotUtf8 { line: 1 }));
}

#[test]
fn reader_failure_is_unreadable() {
    struct Failing;
    impl std::io::Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk gone"))
        }
    }
    let err = parse_catalogue_csv(Failing).unwrap_err();
    assert_eq!(err.code(), "import_unreadable");
}

#[test]
fn too_many_rows() {
    let mut text = String::with_capacity(6 + 2 * (MAX_IMPORT_ROWS + 1));
    text.push_str("title\n");
    for _ in 0..=MAX_IMPORT_ROWS {
        text.push_str("a\n");
    }
    let err = parse_catalogue_csv(text.as_bytes()).unwrap_err();
    assert_eq!(err.code(), "import_too_large");
}

// --------------------------------------------------------------- proptests

proptest! {
    #[test]
    fn text_functions_never_panic(text in any::<String>()) {
        let normalized = normalize(&text);
        prop_assert!(!normalized.starts_with(' ') && !normalized.ends_with(' '));
        prop_assert!(!normalized.contains("  "));
        let terms = index_terms(&normalized);
        for word in normalized.split(' ') {
            for term in query_terms(word) {
                prop_assert!(terms.contains(&term));
            }
        }
        let _ = query_terms(&text);
        let _ = index_terms(&text);
        let _ = looks_like_isbn(&text);
        if let Ok(isbn) = Isbn13::parse(&text) {
            prop_assert_eq!(isbn.as_str().len(), 13);
        }
    }

    #[test]
    fn every_substring_of_a_word_is_found(text in "[a-zA-Zａ-ｚあ-んア-ンｱ-ﾝ村上春樹猫森ー・　 ]{0,20}") {
        let normalized = normalize(&text);
        let terms = index_terms(&normalized);
        for word in normalized.split(' ') {
            let chars: Vec<char> = word.chars().collect();
            for start in 0..chars.len() {
                for end in start + 1..=chars.len() {
                    let sub: String = chars[start..end].iter().collect();
                    let wanted = query_terms(&sub);
                    prop_assert!(!wanted.is_empty());
                    for term in wanted {
                        prop_assert!(terms.contains(&term), "{} of {}", term, sub);
                    }
                }
            }
        }
    }

    #[test]
    fn normalize_is_idempotent_on_catalogue_text(
        text in "[a-zA-Z0-9０-９Ａ-Ｚａ-ｚあ-んア-ヶｦ-ﾟ一-龠ー・、。「」（）！？　 .,'-]{0,30}"
    ) {
        let once = normalize(&text);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn isbn_parse_never_panics_on_digitish_text(text in "(ISBN|isbn)?[-: ]?[0-9Xx -]{0,20}") {
        match Isbn13::parse(&text) {
            Ok(isbn) => {
                prop_assert!(isbn.as_str().starts_with("978") || isbn.as_str().starts_with("979"));
            }
            Err(err) => prop_assert!(!err.code().is_empty()),
        }
    }

    #[test]
    fn isbn10_round_trips(nine in "[0-9]{9}") {
        let ten = isbn10(&nine);
        let isbn = Isbn13::parse(&ten).unwrap();
        prop_assert_eq!(isbn.as_str(), isbn13_of(&nine));
        prop_assert_eq!(isbn.hyphenless_isbn10(), Some(ten.clone()));
        prop_assert!(looks_like_isbn(&ten));
        // The 13-digit form parses to the same value.
        prop_assert_eq!(Isbn13::parse(isbn.as_str()).unwrap(), isbn.clone());
        // Changing any one character is always detected.
        for i in 0..10 {
            let mut chars: Vec<char> = ten.chars().collect();
            chars[i] = if chars[i] == '1' { '2' } else { '1' };
            let changed: String = chars.iter().collect();
            prop_assert!(Isbn13::parse(&changed).is_err(), "{}", changed);
        }
    }

    #[test]
    fn csv_line_numbers_do_not_depend_on_line_endings(
        lines in proptest::collection::vec(proptest::option::of("[a-z猫]{1,4}"), 0..12),
        ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        trailing in any::<bool>(),
    ) {
        let mut text = format!("title{ending}");
        let mut expected = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if let Some(title) = line {
                text.push_str(title);
                expected.push((i as u64 + 2, title.clone()));
            }
            if trailing || i + 1 < lines.len() {
                text.push_str(ending);
            }
        }
        let import = import(&text);
        let got: Vec<_> = import.rows.iter().map(|r| (r.line, r.title.clone())).collect();
        prop_assert_eq!(got, expected);
    }

    /// Whatever the quotes and line breaks, every line of data is imported
    /// or rejected, exactly once.
    #[test]
    fn csv_accounts_for_every_line(body in "[ab,\"\n\r]{0,60}") {
        let text = format!("title,authors\n{body}");
        let import = import(&text);
        prop_assert_eq!(accounted(&import), data_lines(&text));
    }

    #[test]
    fn csv_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_catalogue_csv(&bytes[..]);
    }

    #[test]
    fn csv_never_panics_on_rows(body in "[a-z0-9,;；\"\n\r\t 　猫ー-]{0,200}") {
        let text = format!("title,isbn,year,item_barcode,branch,authors,shelf\n{body}");
        if let Ok(import) = parse_catalogue_csv(text.as_bytes()) {
            for row in &import.rows {
                prop_assert!(!row.title.is_empty());
                prop_assert!(row.line >= 2);
            }
            for rejected in &import.rejected {
                prop_assert!(!rejected.reason.is_empty());
                prop_assert!(rejected.line >= 2);
            }
        }
    }
}
