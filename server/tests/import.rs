//! Catalogue imports never lose rows silently (issue 10, item 5): the
//! malformed files of `test-vectors/catalogue/` (`make-malformed.py`) go
//! through `shiori_server::import` and the `shiori-server import-catalogue`
//! binary, and every data row comes out imported or listed with its line.
//! Runs on SQLite, or on PostgreSQL with `SHIORI_TEST_POSTGRES`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;

mod support {
    pub mod library;
}
use shiori_server::import::ImportReport;
use support::library::library;

fn vector(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-vectors/catalogue")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The non-blank lines after the header: the data rows a CSV file holds.
fn data_lines(csv: &[u8]) -> u64 {
    let text = std::str::from_utf8(csv).unwrap();
    text.lines().filter(|l| !l.is_empty()).count() as u64 - 1
}

/// The report's totals add up to the rows read.
fn assert_totals(report: &ImportReport, rows_read: u64) {
    assert_eq!(report.rows_read, rows_read, "{report:?}");
    assert_eq!(
        report.imported_rows + report.updated_rows + report.unchanged_rows + report.rejected_rows,
        report.rows_read,
        "{report:?}"
    );
    assert_eq!(report.rejected_rows, report.rejected.len() as u64);
}

fn rejected(report: &ImportReport) -> Vec<(u64, &str)> {
    report
        .rejected
        .iter()
        .map(|r| (r.line, r.code.as_str()))
        .collect()
}

/// One stray `"` opened a quoted field that swallowed the 50 rows after
/// it, and the report said "imported 1; 1 rejected (line 3)".
#[tokio::test]
async fn a_stray_quote_rejects_its_line_and_the_rows_after_it_are_imported() {
    let lib = library().await;
    let csv = vector("stray-quote.csv");
    let report = shiori_server::import::import_csv(&lib.state, csv.as_slice())
        .await
        .unwrap();
    assert_eq!(rejected(&report), [(3, "malformed_quote")]);
    assert_eq!(report.imported_rows, 51, "{report:?}");
    assert_totals(&report, data_lines(&csv));
    assert_eq!(report.rows_read, 52);
    for t in ["栞の手前", "栞の後ろ 1", "栞の後ろ 50"] {
        assert!(lib.search(t).await.contains(&t.to_owned()), "{t}");
    }
}

/// The demo catalogue (CSV) gives 吾輩は猫である the reading
/// ワガハイワネコデアル; sample.mrc has the same ISBN and no reading.
#[tokio::test]
async fn a_marc_reimport_keeps_the_reading_an_earlier_csv_import_set() {
    let lib = library().await;
    for q in ["ねこ", "わがはい", "ワガハイ"] {
        assert!(
            lib.search(q).await.contains(&"吾輩は猫である".to_owned()),
            "{q} before"
        );
    }
    let report = shiori_server::import::import_marc(&lib.state, &vector("sample.mrc"))
        .await
        .unwrap();
    // こころ and 吾輩は猫である were in the demo catalogue: updated (and
    // こころ's two copies are new); Norwegian wood is new.
    assert_totals(&report, 6);
    assert_eq!(
        (
            report.imported_rows,
            report.updated_rows,
            report.rejected_rows
        ),
        (3, 1, 2),
        "{report:?}"
    );
    let id = lib.title_id("9784101010014").await;
    let (_, title) = lib.get(&format!("/api/v1/titles/{id}")).await;
    assert_eq!(title["title_kana"], "ワガハイワネコデアル", "{title}");
    assert_eq!(title["authors"], serde_json::json!(["夏目漱石"]), "{title}");
    for q in ["ねこ", "わがはい", "ワガハイ"] {
        assert!(
            lib.search(q).await.contains(&"吾輩は猫である".to_owned()),
            "{q} after the MARC import"
        );
    }
}

/// The same files twice: the second run changes nothing and says so.
#[tokio::test]
async fn a_second_run_of_the_same_file_reports_every_row_unchanged() {
    let lib = library().await;
    let before = lib.search("栞").await.len();
    let csv = vector("stray-quote.csv");
    for run in 0..2 {
        let report = shiori_server::import::import_csv(&lib.state, csv.as_slice())
            .await
            .unwrap();
        assert_totals(&report, 52);
        let expected = if run == 0 { (51, 0, 0) } else { (0, 0, 51) };
        assert_eq!(
            (
                report.imported_rows,
                report.updated_rows,
                report.unchanged_rows
            ),
            expected,
            "run {run}: {report:?}"
        );
    }
    assert_eq!(
        lib.search("栞").await.len(),
        before + 51,
        "nothing stored twice"
    );
    let marc = vector("sample.mrc");
    shiori_server::import::import_marc(&lib.state, &marc)
        .await
        .unwrap();
    let again = shiori_server::import::import_marc(&lib.state, &marc)
        .await
        .unwrap();
    assert_totals(&again, 6);
    assert_eq!(again.unchanged_rows, 4, "{again:?}");
    // The demo catalogue (several copies per title) was imported by
    // `library()`: again, every row is unchanged.
    let demo = shiori_server::import::import_csv(&lib.state, support::library::DEMO)
        .await
        .unwrap();
    let _ = demo; // the MARC file above changed two of its titles
    let demo = shiori_server::import::import_csv(&lib.state, support::library::DEMO)
        .await
        .unwrap();
    assert_totals(&demo, data_lines(support::library::DEMO));
    assert_eq!(demo.unchanged_rows, demo.rows_read, "{demo:?}");
}

/// A field the new row lacks keeps what is stored; a field it has
/// replaces it. Copies likewise.
#[tokio::test]
async fn a_reimport_merges_field_by_field() {
    let lib = library().await;
    let first = "isbn,title,title_kana,authors,publisher,year,subjects,item_barcode,branch,shelf\n\
                 9784000000000,栞の研究,シオリノケンキュウ,栞田一,栞社,2001,読書,S-1,central,019/シ\n";
    let second =
        "isbn,title,title_kana,authors,publisher,year,subjects,item_barcode,branch,shelf\n\
                  9784000000000,栞の研究 改訂版,,,,2005,,S-1,east,\n";
    for csv in [first, second] {
        let report = shiori_server::import::import_csv(&lib.state, csv.as_bytes())
            .await
            .unwrap();
        assert_totals(&report, 1);
    }
    let id = lib.title_id("9784000000000").await;
    let (_, t) = lib.get(&format!("/api/v1/titles/{id}")).await;
    assert_eq!(t["title"], "栞の研究 改訂版");
    assert_eq!(t["title_kana"], "シオリノケンキュウ");
    assert_eq!(t["authors"], serde_json::json!(["栞田一"]));
    assert_eq!(t["publisher"], "栞社");
    assert_eq!(t["year"], 2005);
    assert_eq!(t["subjects"], serde_json::json!(["読書"]), "{t}");
    assert_eq!(t["items"][0]["branch"], "east");
    assert_eq!(t["items"][0]["shelf"], "019/シ");
    assert_eq!(lib.search("しおりのけんきゅう").await, ["栞の研究 改訂版"]);
}

/// A file cut in the middle of its third record: the first two records
/// are imported, the third is reported, with where it starts.
#[tokio::test]
async fn a_truncated_marc_file_imports_the_whole_records_and_reports_the_cut_one() {
    let lib = library().await;
    let report = shiori_server::import::import_marc(&lib.state, &vector("truncated.mrc"))
        .await
        .unwrap();
    assert_eq!(rejected(&report), [(3, "marc_truncated")]);
    assert!(report.rejected[0].reason.contains("byte 494"), "{report:?}");
    let ids = [
        lib.title_id("9784003101117").await,
        lib.title_id("9784101010014").await,
    ];
    assert!(ids.iter().all(|id| *id > 0));
}

/// A MARCXML file cut in the middle of its third `<record>`.
#[tokio::test]
async fn a_truncated_marcxml_file_imports_the_whole_records_and_reports_the_cut_one() {
    let lib = library().await;
    let report = shiori_server::import::import_marc(&lib.state, &vector("truncated.xml"))
        .await
        .unwrap();
    assert_eq!(rejected(&report), [(3, "marc_truncated")]);
    assert!(
        report.rejected[0].reason.contains("byte 1703"),
        "{report:?}"
    );
    assert_totals(&report, 4);
    // こころ's two copies are new, 吾輩は猫である (demo catalogue) updated.
    assert_eq!(
        (report.imported_rows, report.updated_rows),
        (2, 1),
        "{report:?}"
    );
}

/// The second record's leader length is not a number: that record is
/// reported, the four others are read.
#[tokio::test]
async fn a_marc_record_with_a_broken_leader_is_reported_and_the_others_imported() {
    let lib = library().await;
    let report = shiori_server::import::import_marc(&lib.state, &vector("bad-length.mrc"))
        .await
        .unwrap();
    assert_eq!(
        rejected(&report),
        [
            (2, "marc_bad_record"),
            (4, "invalid_isbn"),
            (5, "missing_branch")
        ]
    );
    assert!(report.rejected[0].reason.contains("byte 304"), "{report:?}");
    assert_eq!(report.items, 3, "こころ ×2, Norwegian wood");
}

/// `shiori-server import-catalogue` prints each rejected line with its
/// reason and exits non-zero when anything was rejected.
#[test]
fn the_cli_lists_every_rejected_line_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime
        .block_on(shiori_server::testing::test_database(dir.path()))
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shiori-server"))
        .current_dir(dir.path())
        .env("SHIORI_DATABASE", database.as_str())
        .arg("import-catalogue")
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../test-vectors/catalogue/stray-quote.csv"),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("line 3: malformed_quote"), "{stderr}");
}
