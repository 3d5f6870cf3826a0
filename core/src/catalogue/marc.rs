//! MARC 21 catalogue import, ISO 2709 or MARCXML (detected from the first
//! byte), read with the `marc-rs` crate and checked with exactly the same
//! rules as the CSV import ([`super::csv_import`]).
//!
//! Fields are read through `marc-rs`'s raw view (directory, subfields,
//! MARC-8/UTF-8 decoding by the leader), not its semantic `Record`: that
//! model silently drops a 020 whose $a carries a qualifier ("… (pbk.)") and a
//! 995 holding whose first subfield is empty, so copies and ISBNs would be
//! lost without a word (`core/tests/catalogue_marc.rs` has such records).
//!
//! | column | MARC 21 |
//! |---|---|
//! | isbn | 020 $a (the first that parses; qualifiers such as "(pbk.)" dropped) |
//! | title | 245 $a, with $b after " : " |
//! | authors | 100 / 110 / 700 / 710 names |
//! | publisher | 264 or 260 $b (trailing ISBD punctuation removed) |
//! | year | the first four-digit year in 264 or 260 $c |
//! | subjects | 650 subjects, then uncontrolled terms (653) |
//! | copies | one row per 995 holding: $f barcode, $a branch code, $k shelf (call number) |
//!
//! A record without a 995 holding becomes a title without copies. The
//! "line" of a rejected row is the record's number in the file (1-based).
//! The title reading (kana) is not taken from MARC.

use std::borrow::Cow;

use marc_rs::raw::{BinaryReader, RawField};
use marc_rs::{detect_file_format, FileFormat, MarcFormat, XmlReader};

use super::csv_import::{check_rows, CatalogueImport, ImportError, MAX_IMPORT_ROWS};

const SUBFIELD: u8 = 0x1f;
const FIELD_END: u8 = 0x1e;

/// One data field: tag and (code, value) subfields, decoded.
struct DataField {
    tag: [u8; 3],
    subfields: Vec<(u8, String)>,
}

impl DataField {
    fn first(&self, code: u8) -> Option<&str> {
        self.subfields
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }
}

fn unreadable(e: impl std::fmt::Display) -> ImportError {
    ImportError::Marc(e.to_string())
}

/// Parse a MARC 21 file (ISO 2709 or MARCXML) into catalogue rows.
pub fn parse_marc(bytes: &[u8]) -> Result<CatalogueImport, ImportError> {
    let converted;
    let binary: &[u8] = match detect_file_format(bytes) {
        FileFormat::Xml => {
            converted = XmlReader::parse(bytes).map_err(unreadable)?;
            &converted
        }
        FileFormat::Binary => bytes,
    };
    let mut rows = Vec::new();
    for (i, view) in BinaryReader::new(binary).enumerate() {
        if i >= MAX_IMPORT_ROWS {
            return Err(ImportError::TooLarge {
                max: MAX_IMPORT_ROWS,
            });
        }
        let view = view.map_err(unreadable)?;
        let format = MarcFormat::detect(&view, None).map_err(unreadable)?;
        let mut fields = Vec::new();
        for field in view.fields().map_err(unreadable)? {
            if let RawField::Data { tag, body, .. } = field {
                fields.push(DataField {
                    tag,
                    subfields: subfields(body, |b| format.encoding().decode(b)),
                });
            }
        }
        rows.extend(record_rows(i as u64 + 1, &fields));
    }
    check_rows(rows)
}

/// Split a field body into decoded subfields.
fn subfields<'a>(
    body: &'a [u8],
    decode: impl Fn(&'a [u8]) -> Result<Cow<'a, str>, marc_rs::MarcError>,
) -> Vec<(u8, String)> {
    let body = body.split(|b| *b == FIELD_END).next().unwrap_or_default();
    body.split(|b| *b == SUBFIELD)
        .skip(1)
        .filter_map(|chunk| {
            let (&code, value) = chunk.split_first()?;
            // An undecodable value is kept as replacement characters, which
            // the row checks then report, rather than dropped.
            let text = decode(value)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| String::from_utf8_lossy(value).into_owned());
            Some((code, text))
        })
        .collect()
}

/// The catalogue rows (cells in the standard column order) of one record.
fn record_rows(line: u64, fields: &[DataField]) -> Vec<(u64, [String; 10])> {
    fn tagged<'f>(
        fields: &'f [DataField],
        tags: &'static [&'static [u8; 3]],
    ) -> impl Iterator<Item = &'f DataField> {
        fields
            .iter()
            .filter(move |f| tags.iter().any(|t| f.tag == **t))
    }
    // The first 020 $a that looks like an ISBN, without its qualifier.
    let isbn = tagged(fields, &[b"020"])
        .filter_map(|f| f.first(b'a'))
        .map(|a| a.split_whitespace().next().unwrap_or_default().to_owned())
        .find(|a| !a.is_empty())
        .unwrap_or_default();
    let title = tagged(fields, &[b"245"])
        .next()
        .map(|f| {
            let main = trim_isbd(f.first(b'a').unwrap_or_default());
            match f.first(b'b').map(trim_isbd) {
                Some(sub) if !sub.is_empty() => format!("{main} : {sub}"),
                _ => main.to_owned(),
            }
        })
        .unwrap_or_default();
    let authors: Vec<String> = tagged(fields, &[b"100", b"110", b"111", b"700", b"710", b"711"])
        .filter_map(|f| f.first(b'a'))
        .map(|a| trim_isbd(a).to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let publication = tagged(fields, &[b"264", b"260"]).next();
    let publisher = publication
        .and_then(|f| f.first(b'b'))
        .map(trim_isbd)
        .unwrap_or_default()
        .to_owned();
    let year = publication
        .and_then(|f| f.first(b'c'))
        .and_then(first_year)
        .unwrap_or_default();
    let subjects: Vec<String> = tagged(fields, &[b"650", b"653"])
        .filter_map(|f| f.first(b'a'))
        .map(|s| trim_isbd(s).to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let cells = |barcode: &str, branch: &str, shelf: &str| {
        [
            isbn.clone(),
            title.clone(),
            String::new(),
            authors.join(";"),
            publisher.clone(),
            year.clone(),
            subjects.join(";"),
            barcode.to_owned(),
            branch.to_owned(),
            shelf.to_owned(),
        ]
    };
    let holdings: Vec<&DataField> = tagged(fields, &[b"995"]).collect();
    if holdings.is_empty() {
        return vec![(line, cells("", "", ""))];
    }
    holdings
        .iter()
        .map(|h| {
            (
                line,
                cells(
                    h.first(b'f').unwrap_or_default(),
                    h.first(b'a').unwrap_or_default(),
                    h.first(b'k').unwrap_or_default(),
                ),
            )
        })
        .collect()
}

/// Drop ISBD punctuation that MARC leaves at the end of a subfield.
fn trim_isbd(s: &str) -> &str {
    s.trim()
        .trim_end_matches([' ', '/', ':', ';', ',', '.', '='])
        .trim()
}

/// The first run of four ASCII digits, as a year.
fn first_year(s: &str) -> Option<String> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3))
        .find(|&i| b[i..i + 4].iter().all(u8::is_ascii_digit))
        .map(|i| s[i..i + 4].to_owned())
}

#[cfg(test)]
mod tests {
    use super::{first_year, trim_isbd};

    #[test]
    fn isbd_and_years() {
        assert_eq!(trim_isbd("吾輩は猫である /"), "吾輩は猫である");
        assert_eq!(trim_isbd("Tokyo :"), "Tokyo");
        assert_eq!(first_year("c2004."), Some("2004".into()));
        assert_eq!(first_year("[19--]"), None);
    }
}
