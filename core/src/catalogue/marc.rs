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
//! "line" of a rejected row is the record's number in the file (1-based),
//! and [`RejectedRow::byte_offset`] says where the record starts.
//! The title reading (kana) is not taken from MARC.
//!
//! # A bad record spoils only itself
//!
//! ISO 2709 records are split on the record terminator (`1D`), not by the
//! length in each leader, so one wrong length can not shift every later
//! record. Each record is checked before its fields are read: the leader's
//! length must match where the terminator is, the base address and every
//! directory entry must be digits that point inside the record
//! (`marc-rs` would stop reading the directory at a bad entry without a
//! word). MARCXML is cut into `<record>` elements, each converted alone.
//! Record-level codes:
//!
//! | code               | when                                                       |
//! |--------------------|------------------------------------------------------------|
//! | `marc_bad_record`  | the record's leader, directory or XML is broken            |
//! | `marc_truncated`   | the file ends inside the record                            |
//! | `marc_not_read`    | MARCXML after a syntax error: a `<record>` that could not be reached |
//!
//! The reason names the record's number and byte offset (and its line in
//! MARCXML); the records around it are still read.

use std::borrow::Cow;

use marc_rs::raw::{BinaryReader, RawField};
use marc_rs::{detect_file_format, FileFormat, MarcFormat, XmlReader};
use quick_xml::events::Event;

use super::csv_import::{
    check_rows, CatalogueImport, ImportError, LineIndex, RejectedRow, MAX_IMPORT_ROWS,
};

const SUBFIELD: u8 = 0x1f;
const FIELD_END: u8 = 0x1e;
const RECORD_END: u8 = 0x1d;
/// ISO 2709 leader length.
const LEADER: usize = 24;
/// ISO 2709 directory entry: tag (3), field length (4), offset (5).
const ENTRY: usize = 12;

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

/// Why one record of the file is left out.
#[derive(Debug)]
enum RecordError {
    /// The leader, directory or XML of the record is broken.
    Bad(String),
    /// The file ends inside the record.
    Truncated,
    /// MARCXML: a syntax error earlier in the file stops the parser before
    /// this record.
    NotRead {
        /// The line of the syntax error.
        error_line: u64,
    },
}

impl RecordError {
    fn code(&self) -> &'static str {
        match self {
            RecordError::Bad(_) => "marc_bad_record",
            RecordError::Truncated => "marc_truncated",
            RecordError::NotRead { .. } => "marc_not_read",
        }
    }

    fn reason(&self) -> String {
        match self {
            RecordError::Bad(why) => why.clone(),
            RecordError::Truncated => "the file ends inside this record (truncated?)".into(),
            RecordError::NotRead { error_line } => {
                format!("not read: the XML is broken at line {error_line}, before this record")
            }
        }
    }
}

/// One record of the file: where it is, and its ISO 2709 bytes or why it
/// can not be read.
struct Located<'a> {
    /// Byte offset in the file.
    offset: usize,
    /// Line in the file (MARCXML only).
    line: Option<u64>,
    record: Result<Cow<'a, [u8]>, RecordError>,
}

/// Parse a MARC 21 file (ISO 2709 or MARCXML) into catalogue rows. A
/// record that can not be read is listed in
/// [`CatalogueImport::rejected`] by its number and byte offset; the
/// others are still read (see the module documentation).
pub fn parse_marc(bytes: &[u8]) -> Result<CatalogueImport, ImportError> {
    let records = match detect_file_format(bytes) {
        FileFormat::Xml => xml_records(bytes),
        FileFormat::Binary => iso2709_records(bytes),
    };
    if records.len() > MAX_IMPORT_ROWS {
        return Err(ImportError::TooLarge {
            max: MAX_IMPORT_ROWS,
        });
    }
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    let mut offsets = Vec::with_capacity(records.len());
    for (index, located) in records.into_iter().enumerate() {
        let number = index as u64 + 1;
        offsets.push(located.offset as u64);
        let fields = located
            .record
            .and_then(|record| record_fields(&record).map_err(RecordError::Bad));
        match fields {
            Ok(fields) => rows.extend(record_rows(number, &fields)),
            Err(err) => {
                unreadable.push(rejected_record(number, located.offset, located.line, &err))
            }
        }
    }
    let mut import = check_rows(rows)?;
    for rejected in &mut import.rejected {
        let index = usize::try_from(rejected.line.saturating_sub(1)).unwrap_or(usize::MAX);
        rejected.byte_offset = offsets.get(index).copied();
    }
    import.rejected.extend(unreadable);
    import.rejected.sort_by_key(|r| r.line);
    Ok(import)
}

/// "record 3 (byte 494)", or "(byte 1703, line 12)" in MARCXML.
fn place(number: u64, offset: usize, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("record {number} (byte {offset}, line {line})"),
        None => format!("record {number} (byte {offset})"),
    }
}

fn rejected_record(
    number: u64,
    offset: usize,
    line: Option<u64>,
    err: &RecordError,
) -> RejectedRow {
    RejectedRow {
        line: number,
        code: err.code(),
        reason: format!("{}: {}", place(number, offset, line), err.reason()),
        byte_offset: Some(offset as u64),
    }
}

/// The data fields of one ISO 2709 record, after checking its structure.
fn record_fields(record: &[u8]) -> Result<Vec<DataField>, String> {
    check_structure(record)?;
    let view = BinaryReader::new(record)
        .next()
        .ok_or_else(|| "the record is empty".to_owned())?
        .map_err(|e| e.to_string())?;
    let format = MarcFormat::detect(&view, None).map_err(|e| e.to_string())?;
    let mut fields = Vec::new();
    for field in view.fields().map_err(|e| e.to_string())? {
        if let RawField::Data { tag, body, .. } = field {
            fields.push(DataField {
                tag,
                subfields: subfields(body, |b| format.encoding().decode(b)),
            });
        }
    }
    Ok(fields)
}

/// A number written in ASCII digits (a leader or directory field).
fn digits(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Checks what `marc-rs` would otherwise skip in silence: the leader's
/// length and base address, and that every directory entry is digits
/// pointing inside the record. `record` ends with its terminator.
fn check_structure(record: &[u8]) -> Result<(), String> {
    let leader = record.get(..LEADER).ok_or_else(|| {
        format!(
            "the record is {} bytes, shorter than a leader",
            record.len()
        )
    })?;
    let shown = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let length = digits(&leader[0..5]).ok_or_else(|| {
        format!(
            "the leader's record length {:?} is not a number",
            shown(&leader[0..5])
        )
    })?;
    if length != record.len() {
        return Err(format!(
            "the leader gives a length of {length} bytes but the record ends after {}",
            record.len()
        ));
    }
    let base = digits(&leader[12..17])
        .filter(|b| (LEADER + 1..record.len()).contains(b))
        .ok_or_else(|| {
            format!(
                "the leader's base address {:?} is not valid",
                shown(&leader[12..17])
            )
        })?;
    if record[base - 1] != FIELD_END || (base - 1 - LEADER) % ENTRY != 0 {
        return Err("the directory does not end where the base address says".into());
    }
    for entry in record[LEADER..base - 1].chunks(ENTRY) {
        let (len, at) = (digits(&entry[3..7]), digits(&entry[7..12]));
        let inside = matches!((len, at), (Some(len), Some(at)) if base + at + len < record.len());
        if !inside {
            return Err(format!(
                "the directory entry {:?} is not valid",
                shown(entry)
            ));
        }
    }
    Ok(())
}

/// The records of an ISO 2709 file, split on the record terminator.
/// Line breaks between records (some tools add them) are skipped.
fn iso2709_records(bytes: &[u8]) -> Vec<Located<'_>> {
    let mut records = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        if bytes[pos].is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let (record, next) = match bytes[pos..].iter().position(|b| *b == RECORD_END) {
            Some(end) => (Ok(Cow::Borrowed(&bytes[pos..=pos + end])), pos + end + 1),
            None => (Err(RecordError::Truncated), bytes.len()),
        };
        records.push(Located {
            offset: pos,
            line: None,
            record,
        });
        pos = next;
    }
    records
}

/// Whether an XML start tag's name is `record` (any namespace prefix).
fn is_record(name: &[u8]) -> bool {
    name.rsplit(|b| *b == b':').next() == Some(b"record")
}

/// The `<record>` elements of a MARCXML file, each converted to ISO 2709
/// alone. A syntax error inside a record spoils that record, and every
/// later `<record>` is listed as not read (an XML parser can not resume
/// after a syntax error).
fn xml_records(bytes: &[u8]) -> Vec<Located<'_>> {
    let mut records = Vec::new();
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let index = LineIndex::new(bytes);
    let lines = |at: usize| index.line_of(at);
    let mut open: Option<(usize, usize)> = None; // (start, depth)
    loop {
        let before = offset(reader.buffer_position());
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if let Some((_, depth)) = &mut open {
                    *depth += 1;
                } else if is_record(e.name().as_ref()) {
                    open = Some((before, 1));
                }
            }
            Ok(Event::Empty(e)) if open.is_none() && is_record(e.name().as_ref()) => {
                records.push(Located {
                    offset: before,
                    line: Some(lines(before)),
                    record: Err(RecordError::Bad("the record is empty".into())),
                });
            }
            Ok(Event::End(_)) => {
                let closed = match &mut open {
                    Some((start, depth)) => {
                        *depth -= 1;
                        (*depth == 0).then_some(*start)
                    }
                    None => None,
                };
                if let Some(start) = closed {
                    open = None;
                    let end = offset(reader.buffer_position()).min(bytes.len());
                    let record = XmlReader::parse(&bytes[start..end])
                        .map(Cow::Owned)
                        .map_err(|e| RecordError::Bad(e.to_string()));
                    records.push(Located {
                        offset: start,
                        line: Some(lines(start)),
                        record,
                    });
                }
            }
            Ok(Event::Eof) => {
                if let Some((start, _)) = open {
                    records.push(Located {
                        offset: start,
                        line: Some(lines(start)),
                        record: Err(RecordError::Truncated),
                    });
                }
                break;
            }
            Err(err) => {
                let at = offset(reader.error_position());
                xml_error(
                    bytes,
                    open.map(|(start, _)| start),
                    at,
                    &err.to_string(),
                    &lines,
                    &mut records,
                );
                break;
            }
            Ok(_) => {}
        }
    }
    records
}

/// After an XML syntax error at byte `at`: the open record (if any) is
/// reported as truncated when the file ends inside it, else as broken;
/// every later `<record>` start tag as not read. An error outside any
/// record is reported on the next record start, or as a record of its own
/// when none follows.
fn xml_error(
    bytes: &[u8],
    open: Option<usize>,
    at: usize,
    message: &str,
    lines: &dyn Fn(usize) -> u64,
    records: &mut Vec<Located<'_>>,
) {
    let error_line = lines(at);
    let later = record_tags(bytes, open.map_or(at, |start| start + 1));
    let start = open.unwrap_or(at);
    // Cut inside a tag: nothing after the error closes any markup.
    let at_the_end = !bytes.get(at..).unwrap_or_default().contains(&b'>');
    let record = if open.is_some() && later.is_empty() && at_the_end {
        RecordError::Truncated
    } else {
        RecordError::Bad(format!("the XML is broken at line {error_line}: {message}"))
    };
    records.push(Located {
        offset: start,
        line: Some(lines(start)),
        record: Err(record),
    });
    for tag in later {
        records.push(Located {
            offset: tag,
            line: Some(lines(tag)),
            record: Err(RecordError::NotRead { error_line }),
        });
    }
}

/// Offsets of the `<record` start tags (any prefix) from byte `from` on.
fn record_tags(bytes: &[u8], from: usize) -> Vec<usize> {
    let mut found = Vec::new();
    for (i, _) in bytes
        .iter()
        .enumerate()
        .skip(from)
        .filter(|(_, b)| **b == b'<')
    {
        let name_end = bytes[i + 1..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .map_or(bytes.len(), |n| i + 1 + n);
        if is_record(&bytes[i + 1..name_end]) {
            found.push(i);
        }
    }
    found
}

/// A byte position as an index.
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
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
