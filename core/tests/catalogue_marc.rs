//! MARC 21 import from files written by pymarc (an independent
//! implementation; `test-vectors/catalogue/make-marc.py`): ISO 2709 and
//! MARCXML give the same rows, holdings become copies, bad records are
//! rejected with the CSV import's codes, garbage is a typed error.
#![allow(clippy::unwrap_used)]

use shiori_core::catalogue::{parse_marc, CatalogueImport};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../test-vectors/catalogue")
            .join(name),
    )
    .unwrap()
}

fn check(import: &CatalogueImport) {
    let titles: Vec<(&str, Option<&str>, u64)> = import
        .rows
        .iter()
        .map(|r| (r.title.as_str(), r.item_barcode.as_deref(), r.line))
        .collect();
    assert_eq!(
        titles,
        [
            ("こころ", Some("M-0001"), 1),
            ("こころ", Some("M-0002"), 1),
            ("吾輩は猫である", None, 2),
            ("Norwegian wood : a novel", Some("M-0003"), 3),
        ]
    );
    let kokoro = &import.rows[0];
    assert_eq!(kokoro.isbn.as_ref().unwrap().as_str(), "9784003101117");
    assert_eq!(kokoro.authors, ["夏目漱石"]);
    assert_eq!(kokoro.publisher.as_deref(), Some("岩波書店"));
    assert_eq!(kokoro.year, Some(1989));
    assert_eq!(kokoro.subjects, ["日本文学", "小説"]);
    assert_eq!(kokoro.branch.as_deref(), Some("central"));
    assert_eq!(kokoro.shelf.as_deref(), Some("913.6/ナ"));
    assert_eq!(import.rows[1].branch.as_deref(), Some("east"));
    // ISBN-10 in 020 becomes the ISBN-13.
    assert_eq!(
        import.rows[2].isbn.as_ref().unwrap().as_str(),
        "9784101010014"
    );
    assert_eq!(import.rows[2].year, Some(2003));
    let rejected: Vec<(u64, &str)> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(rejected, [(4, "invalid_isbn"), (5, "missing_branch")]);
}

#[test]
fn iso2709_and_marcxml_import_the_same_rows() {
    let binary = parse_marc(&sample("sample.mrc")).unwrap();
    check(&binary);
    let xml = parse_marc(&sample("sample.xml")).unwrap();
    check(&xml);
    assert_eq!(binary.rows, xml.rows);
    // Only where each record starts differs.
    let offsets =
        |i: &CatalogueImport| -> Vec<_> { i.rejected.iter().map(|r| r.byte_offset).collect() };
    assert_eq!(offsets(&binary), [Some(741), Some(889)]);
    assert_eq!(offsets(&xml), [Some(2506), Some(2998)]);
}

#[test]
fn garbage_is_a_typed_error_not_a_panic() {
    for bad in [
        &b"<collection><record><leader>broken"[..],
        b"00042nam  22000251a 4500garbage",
        b"\x00\xff\x10",
    ] {
        match parse_marc(bad) {
            Err(e) => assert_eq!(e.code(), "import_unreadable", "{e}"),
            Ok(import) => assert!(import.rows.is_empty(), "{import:?}"),
        }
    }
    // Truncations of a good file never panic.
    let good = sample("sample.mrc");
    for n in (0..good.len()).step_by(7) {
        let _ = parse_marc(&good[..n]);
    }
}

fn rejected(import: &CatalogueImport) -> Vec<(u64, &str, Option<u64>)> {
    import
        .rejected
        .iter()
        .map(|r| (r.line, r.code, r.byte_offset))
        .collect()
}

#[test]
fn a_truncated_iso2709_file_keeps_the_whole_records() {
    let import = parse_marc(&sample("truncated.mrc")).unwrap();
    assert_eq!(rejected(&import), [(3, "marc_truncated", Some(494))]);
    assert!(import.rejected[0].reason.contains("record 3 (byte 494)"));
    let titles: Vec<_> = import.rows.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(titles, ["こころ", "こころ", "吾輩は猫である"]);
}

#[test]
fn a_record_with_a_broken_leader_spoils_only_itself() {
    let import = parse_marc(&sample("bad-length.mrc")).unwrap();
    assert_eq!(
        rejected(&import),
        [
            (2, "marc_bad_record", Some(304)),
            (4, "invalid_isbn", Some(741)),
            (5, "missing_branch", Some(889)),
        ]
    );
    assert!(import.rejected[0].reason.contains("\"XXXXX\""));
    assert_eq!(import.rows.len(), 3, "こころ ×2, Norwegian wood");
}

/// A directory entry that is not digits: marc-rs would stop reading the
/// directory there and drop the fields after it without a word.
#[test]
fn a_broken_directory_entry_spoils_only_its_record() {
    let mut bytes = sample("sample.mrc");
    // Record 3 starts at 494; its first directory entry at 494 + 24.
    bytes[494 + 24 + 4] = b'x';
    let import = parse_marc(&bytes).unwrap();
    assert_eq!(rejected(&import)[0], (3, "marc_bad_record", Some(494)));
    assert!(import.rejected[0].reason.contains("directory entry"));
    assert_eq!(import.rows.len(), 3);
}

#[test]
fn a_truncated_marcxml_file_keeps_the_whole_records() {
    let import = parse_marc(&sample("truncated.xml")).unwrap();
    assert_eq!(rejected(&import), [(3, "marc_truncated", Some(1703))]);
    assert!(import.rejected[0].reason.contains("line 1"));
    assert_eq!(import.rows.len(), 3);
}

/// A syntax error inside the second record: it is reported, the records
/// after it are listed as not read (an XML parser can not resume).
#[test]
fn an_xml_syntax_error_lists_the_records_it_hides() {
    let xml = String::from_utf8(sample("sample.xml")).unwrap();
    let broken = xml.replacen(
        "<datafield ind1=\"1\" ind2=\"0\" tag=\"245\">",
        "<datafield ind1=\"1\" ind2=\"0\" tag=\"245\"></subfield>",
        1,
    );
    let import = parse_marc(broken.as_bytes()).unwrap();
    let codes: Vec<_> = import.rejected.iter().map(|r| (r.line, r.code)).collect();
    assert_eq!(
        codes,
        [
            (1, "marc_bad_record"),
            (2, "marc_not_read"),
            (3, "marc_not_read"),
            (4, "marc_not_read"),
            (5, "marc_not_read"),
        ]
    );
    assert!(import.rows.is_empty());
}

/// Why `parse_marc` reads raw fields: marc-rs's semantic `Record` (1.0.2)
/// drops a 020 $a with a qualifier and a 995 whose first subfield is empty.
/// If this test starts failing, the crate has fixed it and the semantic
/// model could be used.
#[test]
fn marc_rs_semantic_model_loses_qualified_isbns_and_holdings() {
    let records = marc_rs::parse_records(&sample("sample.mrc")).unwrap();
    assert!(
        records[0].identification.isbn.is_empty(),
        "020 $a 9784003101117 (文庫)"
    );
    assert!(records[4].items().is_empty(), "995 $a '' $f M-0004");
}
