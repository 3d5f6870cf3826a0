//! Catalogue CSV import: parsing and row validation only (the server stores
//! the records).
//!
//! The file is UTF-8 (a BOM is allowed), comma-separated with `"` quoting,
//! and starts with a header row. Columns are found by header name (trimmed,
//! any case), in any order; unknown columns are ignored. Only `title` is
//! required; the known columns are `isbn`, `title`, `title_kana`, `authors`,
//! `publisher`, `year`, `subjects`, `item_barcode`, `branch`, `shelf`.
//!
//! Two kinds of problem are kept apart:
//!
//! * **File-level** — the whole file is refused with an [`ImportError`]:
//!   it cannot be read, it is not UTF-8 (anywhere: a Shift_JIS export from a
//!   spreadsheet must be re-saved as UTF-8 rather than half imported), the
//!   header lacks `title`, names a known column twice or opens a quote it
//!   does not close, or the file has more than [`MAX_IMPORT_ROWS`] data rows.
//! * **Row-level** — the row goes to [`CatalogueImport::rejected`] with its
//!   line number, a stable code and an English reason naming the column; the
//!   other rows are still returned.
//!
//! Every non-blank line after the header ends up in exactly one of
//! [`CatalogueImport::rows`] and [`CatalogueImport::rejected`], so the two
//! add up to the file's lines of data. A quote can not swallow the lines
//! after it: no catalogue field may hold a line break, so a record that
//! spans lines is always rejected, and
//!
//! * if its quoted field closes and the record has the header's number of
//!   fields (a spreadsheet cell with a line break in it), its first line is
//!   rejected (`control_character`) and each further line is listed as
//!   `continued_row`;
//! * otherwise (a stray `"` at the start of a field, whose quote never
//!   closes or closes somewhere that gives the wrong number of fields) only
//!   the line where the quote opened is rejected (`malformed_quote`) and
//!   reading starts afresh on the next line.
//!
//! | code                | when                                                         |
//! |---------------------|--------------------------------------------------------------|
//! | `malformed_row`     | the row has a different number of fields than the header    |
//! | `control_character` | a field holds a control character (after trimming)           |
//! | `invalid_isbn`      | `isbn` is not a valid ISBN-10 or ISBN-13                     |
//! | `missing_title`     | `title` is empty                                             |
//! | `field_too_long`    | a field is longer than its limit (e.g. `title` 500 chars)    |
//! | `invalid_year`      | `year` is not four digits in 1000..=2100                     |
//! | `invalid_barcode`   | `item_barcode` is not 1–32 ASCII letters, digits or `-`      |
//! | `invalid_branch`    | `branch` is not 1–16 ASCII letters, digits, `-` or `_`       |
//! | `missing_branch`    | `item_barcode` is given but `branch` is empty                |
//! | `duplicate_barcode` | an earlier accepted row in the file has the same barcode     |
//! | `malformed_quote`   | a field opens a quote that breaks the row (see above)        |
//! | `continued_row`     | the line belongs to a row rejected on an earlier line        |
//!
//! Every cell is trimmed (Unicode whitespace, so the ideographic space too);
//! an empty optional cell is `None`. `year`, `item_barcode` and `branch` are
//! NFKC-normalized before they are checked, so full-width digits typed in a
//! spreadsheet are accepted.

use std::collections::HashMap;
use std::io::Read;

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

use super::isbn::Isbn13;
use super::line_endings::LineEndings;

/// The most data rows (not counting the header) one import may hold.
pub const MAX_IMPORT_ROWS: usize = 2_000_000;

/// Longest `title` and `title_kana`, in characters.
const MAX_TITLE_CHARS: usize = 500;
/// Longest `publisher`, in characters.
const MAX_PUBLISHER_CHARS: usize = 200;
/// Longest `authors` or `subjects` cell (the whole list), in characters.
const MAX_LIST_CHARS: usize = 2_000;
/// Longest `shelf`, in characters.
const MAX_SHELF_CHARS: usize = 100;
/// Longest `item_barcode`, in characters.
const MAX_BARCODE_CHARS: usize = 32;
/// Longest `branch`, in characters.
const MAX_BRANCH_CHARS: usize = 16;
/// Earliest and latest publication year accepted.
const YEARS: std::ops::RangeInclusive<i32> = 1000..=2100;

/// One catalogue row: a copy (item) of a title, or a title without copies
/// when `item_barcode` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueRow {
    /// 1-based line number in the file where the row starts (the header is
    /// line 1).
    pub line: u64,
    /// The ISBN, or `None` for an empty cell.
    pub isbn: Option<Isbn13>,
    /// The title: required, trimmed, at most 500 characters.
    pub title: String,
    /// The reading of the title in kana, as given.
    pub title_kana: Option<String>,
    /// Authors: the cell split on `;` or `；`, each trimmed, empties dropped.
    pub authors: Vec<String>,
    /// The publisher.
    pub publisher: Option<String>,
    /// Year of publication: four digits, 1000..=2100.
    pub year: Option<i32>,
    /// Subjects, split like `authors`.
    pub subjects: Vec<String>,
    /// The copy's barcode: ASCII letters, digits and `-`, 1 to 32 characters.
    pub item_barcode: Option<String>,
    /// The branch code: ASCII letters, digits, `-` and `_`, 1 to 16
    /// characters; required when `item_barcode` is present.
    pub branch: Option<String>,
    /// Shelf location, at most 100 characters.
    pub shelf: Option<String>,
}

/// A row left out of the import, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based line number where the row starts.
    pub line: u64,
    /// A stable code, such as `invalid_isbn` (see the module documentation).
    pub code: &'static str,
    /// What is wrong, in English, naming the column.
    pub reason: String,
    /// MARC only: where the record starts in the file (0-based byte).
    pub byte_offset: Option<u64>,
}

/// The result of parsing a catalogue file: the good rows and the rejected
/// ones, each in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueImport {
    /// Rows that passed every check.
    pub rows: Vec<CatalogueRow>,
    /// Rows that failed a check.
    pub rejected: Vec<RejectedRow>,
}

/// A problem with the file as a whole; nothing from it should be stored.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The reader failed, or the CSV could not be parsed.
    #[error("the catalogue file could not be read: {0}")]
    Unreadable(#[source] csv::Error),
    /// The file is not UTF-8.
    #[error(
        "line {line} of the catalogue file is not UTF-8; save the file as UTF-8 \
         (CSV files from spreadsheets are often Shift_JIS)"
    )]
    NotUtf8 {
        /// The line where the bad bytes are.
        line: u64,
    },
    /// The header row lacks a required column (or the file is empty).
    #[error("the header row of the catalogue file has no `{column}` column")]
    MissingColumn {
        /// The missing column's name.
        column: &'static str,
    },
    /// The header row names a known column twice, so which one counts is
    /// unclear.
    #[error("the header row of the catalogue file has the `{column}` column twice")]
    DuplicateColumn {
        /// The repeated column's name.
        column: &'static str,
    },
    /// The header row has a quoted field that does not close on its line.
    #[error(
        "the header row (line {line}) of the catalogue file opens a quote that does not \
         close on the same line"
    )]
    HeaderQuote {
        /// The header's line.
        line: u64,
    },
    /// A MARC file (ISO 2709 or MARCXML) could not be parsed.
    #[error("the MARC file could not be read: {0}")]
    Marc(String),
    /// More than [`MAX_IMPORT_ROWS`] data rows.
    #[error("the catalogue file has more than {max} rows; split it into smaller files")]
    TooLarge {
        /// The limit, [`MAX_IMPORT_ROWS`].
        max: usize,
    },
}

impl ImportError {
    /// A stable code for the API: `import_unreadable` (unreadable or not
    /// UTF-8), `import_missing_column`, `import_duplicate_column`,
    /// `import_too_large`.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Unreadable(_)
            | ImportError::NotUtf8 { .. }
            | ImportError::HeaderQuote { .. }
            | ImportError::Marc(_) => "import_unreadable",
            ImportError::MissingColumn { .. } => "import_missing_column",
            ImportError::DuplicateColumn { .. } => "import_duplicate_column",
            ImportError::TooLarge { .. } => "import_too_large",
        }
    }
}

/// Parse a catalogue CSV (UTF-8, optional BOM, header row required; columns
/// by header name, any order, unknown columns ignored; required columns:
/// `title`; known: isbn, title, title_kana, authors, publisher, year,
/// subjects, item_barcode, branch, shelf).
///
/// Row-level problems go to [`CatalogueImport::rejected`] with a stable code
/// and a reason naming the column; good rows are returned in
/// [`CatalogueImport::rows`]. Bytes that are not UTF-8 anywhere in the file
/// refuse the whole file ([`ImportError::NotUtf8`]). Never panics.
///
/// ```
/// use shiori_core::catalogue::parse_catalogue_csv;
///
/// let csv = "title,authors,isbn,item_barcode,branch\n\
///            ノルウェイの森,村上春樹,4-06-274868-1,B-0001,main\n\
///            ,村上春樹,,,\n";
/// let import = parse_catalogue_csv(csv.as_bytes())?;
/// assert_eq!(import.rows[0].authors, ["村上春樹"]);
/// assert_eq!(import.rows[0].isbn.as_ref().map(|i| i.as_str()), Some("9784062748681"));
/// assert_eq!(import.rejected[0].line, 3);
/// assert_eq!(import.rejected[0].code, "missing_title");
/// # Ok::<(), shiori_core::catalogue::ImportError>(())
/// ```
pub fn parse_catalogue_csv(reader: impl Read) -> Result<CatalogueImport, ImportError> {
    let mut data = Vec::new();
    LineEndings::new(reader)
        .read_to_end(&mut data)
        .map_err(|e| ImportError::Unreadable(e.into()))?;
    if let Err(err) = std::str::from_utf8(&data) {
        let line = LineIndex::new(&data[..err.valid_up_to()]).lines();
        return Err(ImportError::NotUtf8 { line });
    }
    let mut rows = CsvRows {
        data: &data,
        lines: LineIndex::new(&data),
        header: None,
        import: CatalogueImport::default(),
        barcodes: HashMap::new(),
    };
    let mut from = 0;
    while let Some(resume) = rows.read_from(from)? {
        from = resume;
    }
    if rows.header.is_none() {
        return Err(ImportError::MissingColumn {
            column: Column::Title.name(),
        });
    }
    Ok(rows.import)
}

/// The header row: where the known columns are, and how many fields a row
/// must have.
struct Header {
    columns: Columns,
    fields: usize,
}

impl Header {
    fn read(record: &csv::ByteRecord, line: u64) -> Result<Header, ImportError> {
        let mut fields = decode_record(record, line)?;
        // csv-core already drops a UTF-8 BOM; this guards against a doubled one.
        if let Some(first) = fields.first_mut() {
            *first = first.trim_start_matches('\u{feff}').trim();
        }
        Ok(Header {
            columns: Columns::from_header(&fields)?,
            fields: fields.len(),
        })
    }

    /// The name of field `index` for a message: its column, or its position.
    fn field_name(&self, index: usize) -> String {
        self.columns
            .column_at(index)
            .map_or_else(|| format!("column {}", index + 1), |c| c.name().into())
    }
}

/// One pass over a whole catalogue CSV (line endings already LF, UTF-8
/// checked), collecting rows and rejections.
struct CsvRows<'a> {
    data: &'a [u8],
    lines: LineIndex,
    header: Option<Header>,
    import: CatalogueImport,
    /// Barcodes of the rows accepted so far, with their lines.
    barcodes: HashMap<String, u64>,
}

impl CsvRows<'_> {
    /// Reads records from byte `from` to the end of the file. When a quote
    /// opened on one line breaks the record (it never closes, or the record
    /// it makes has the wrong number of fields), rejects that line alone and
    /// returns where the next line starts, to be read afresh; `None` at the
    /// end of the file.
    fn read_from(&mut self, from: usize) -> Result<Option<usize>, ImportError> {
        let data = self.data;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(data.get(from..).unwrap_or_default());
        let mut record = csv::ByteRecord::new();
        while csv
            .read_byte_record(&mut record)
            .map_err(ImportError::Unreadable)?
        {
            let mut start = from + offset(record.position().map_or(0, csv::Position::byte));
            // csv places a record where it began looking, before blank lines.
            while data.get(start) == Some(&b'\n') {
                start += 1;
            }
            let end = (from + offset(csv.position().byte())).min(data.len());
            let line = self.lines.line_of(start);
            let spans_lines = record.iter().any(|field| field.contains(&b'\n'));
            let Some(header) = &self.header else {
                if spans_lines {
                    return Err(ImportError::HeaderQuote { line });
                }
                self.header = Some(Header::read(&record, line)?);
                continue;
            };
            let raw = data.get(start..end).unwrap_or_default();
            if spans_lines && (open_quote(raw).is_some() || record.len() != header.fields) {
                let field = open_quote(first_line(raw)).unwrap_or(0);
                let column = header.field_name(field);
                self.reject(line, RowError::BrokenQuote { column })?;
                return Ok(Some(start + first_line(raw).len() + 1));
            }
            self.check(&record, line)?;
            if spans_lines {
                // A well-formed quoted field across lines: the row was
                // rejected above (a line break is a control character);
                // its other lines are listed too.
                let content = raw.len() - raw.iter().rev().take_while(|b| **b == b'\n').count();
                let last = self.lines.line_of(start + content.saturating_sub(1));
                for continued in line + 1..=last {
                    if !self.lines.is_blank(continued) {
                        self.reject(continued, RowError::ContinuedRow { first_line: line })?;
                    }
                }
            }
        }
        Ok(None)
    }

    /// Checks one record and files it as a row or a rejection.
    fn check(&mut self, record: &csv::ByteRecord, line: u64) -> Result<(), ImportError> {
        let Some(header) = &self.header else {
            return Ok(());
        };
        let fields = decode_record(record, line)?;
        let checked = if fields.len() == header.fields {
            header
                .columns
                .row(&fields, line)
                .and_then(|row| claim_barcode(&mut self.barcodes, row))
        } else {
            Err(RowError::FieldCount {
                expected: header.fields,
                found: fields.len(),
            })
        };
        match checked {
            Ok(row) => {
                self.import.rows.push(row);
                self.count()
            }
            Err(err) => self.reject(line, err),
        }
    }

    fn reject(&mut self, line: u64, err: RowError) -> Result<(), ImportError> {
        self.import.rejected.push(RejectedRow {
            line,
            code: err.code(),
            reason: err.to_string(),
            byte_offset: None,
        });
        self.count()
    }

    /// Refuses a file with more than [`MAX_IMPORT_ROWS`] data rows.
    fn count(&self) -> Result<(), ImportError> {
        if self.import.rows.len() + self.import.rejected.len() > MAX_IMPORT_ROWS {
            return Err(ImportError::TooLarge {
                max: MAX_IMPORT_ROWS,
            });
        }
        Ok(())
    }
}

/// A byte position from `csv` as an index.
fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// `raw` up to its first LF.
fn first_line(raw: &[u8]) -> &[u8] {
    raw.split(|b| *b == b'\n').next().unwrap_or_default()
}

/// The field (0-based) whose quote is still open at the end of `raw`, read
/// the way `csv` reads quotes: a `"` opens a quoted field only as the
/// field's first byte, `""` inside one is a literal quote, and a quote
/// anywhere else is a literal character.
fn open_quote(raw: &[u8]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut field = 0;
    for &byte in raw {
        state = match (state, byte) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') | (State::FieldStart, b'"') => State::Quoted,
            (_, b',') => {
                field += 1;
                State::FieldStart
            }
            (_, b'\n') => {
                field = 0;
                State::FieldStart
            }
            _ => State::Unquoted,
        };
    }
    (state == State::Quoted).then_some(field)
}

/// Where the lines of a file start, to turn byte offsets into line numbers.
pub(super) struct LineIndex {
    /// Offsets of the LFs.
    newlines: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(data: &[u8]) -> LineIndex {
        LineIndex {
            newlines: data
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// The number of lines (the last one need not end with an LF).
    fn lines(&self) -> u64 {
        self.newlines.len() as u64 + 1
    }

    /// The 1-based line holding byte `at`.
    pub(super) fn line_of(&self, at: usize) -> u64 {
        self.newlines.partition_point(|&nl| nl < at) as u64 + 1
    }

    /// Whether `line` (1-based) is empty.
    fn is_blank(&self, line: u64) -> bool {
        let index = usize::try_from(line).unwrap_or(usize::MAX);
        match (index.checked_sub(2), index.checked_sub(1)) {
            (Some(before), Some(this)) => matches!(
                (self.newlines.get(before), self.newlines.get(this)),
                (Some(a), Some(b)) if a + 1 == *b
            ),
            _ => false,
        }
    }
}

/// Check rows given as cells in the standard column order (`isbn, title,
/// title_kana, authors, publisher, year, subjects, item_barcode, branch,
/// shelf`) with the same rules as the CSV import. `line` is where each row
/// came from (a record number for MARC).
pub(crate) fn check_rows(
    rows: impl IntoIterator<Item = (u64, [String; 10])>,
) -> Result<CatalogueImport, ImportError> {
    const HEADER: [&str; 10] = [
        "isbn",
        "title",
        "title_kana",
        "authors",
        "publisher",
        "year",
        "subjects",
        "item_barcode",
        "branch",
        "shelf",
    ];
    let columns = Columns::from_header(&HEADER)?;
    let mut import = CatalogueImport::default();
    let mut barcodes: HashMap<String, u64> = HashMap::new();
    for (count, (line, cells)) in rows.into_iter().enumerate() {
        if count >= MAX_IMPORT_ROWS {
            return Err(ImportError::TooLarge {
                max: MAX_IMPORT_ROWS,
            });
        }
        let fields: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
        match columns
            .row(&fields, line)
            .and_then(|row| claim_barcode(&mut barcodes, row))
        {
            Ok(row) => import.rows.push(row),
            Err(err) => import.rejected.push(RejectedRow {
                line,
                code: err.code(),
                reason: err.to_string(),
                byte_offset: None,
            }),
        }
    }
    Ok(import)
}

/// Rejects a row whose barcode an earlier accepted row already has, else
/// records its barcode.
fn claim_barcode(
    barcodes: &mut HashMap<String, u64>,
    row: CatalogueRow,
) -> Result<CatalogueRow, RowError> {
    if let Some(barcode) = &row.item_barcode {
        if let Some(first) = barcodes.get(barcode) {
            return Err(RowError::DuplicateBarcode {
                barcode: barcode.clone(),
                first_line: *first,
            });
        }
        barcodes.insert(barcode.clone(), row.line);
    }
    Ok(row)
}

/// The fields of a record as trimmed UTF-8 strings.
fn decode_record(record: &csv::ByteRecord, line: u64) -> Result<Vec<&str>, ImportError> {
    record
        .iter()
        .map(|field| {
            std::str::from_utf8(field)
                .map(str::trim)
                .map_err(|_| ImportError::NotUtf8 { line })
        })
        .collect()
}

/// The known columns, in the order rows are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Isbn,
    Title,
    TitleKana,
    Authors,
    Publisher,
    Year,
    Subjects,
    ItemBarcode,
    Branch,
    Shelf,
}

impl Column {
    const ALL: [Column; 10] = [
        Column::Isbn,
        Column::Title,
        Column::TitleKana,
        Column::Authors,
        Column::Publisher,
        Column::Year,
        Column::Subjects,
        Column::ItemBarcode,
        Column::Branch,
        Column::Shelf,
    ];

    /// The header name.
    fn name(self) -> &'static str {
        match self {
            Column::Isbn => "isbn",
            Column::Title => "title",
            Column::TitleKana => "title_kana",
            Column::Authors => "authors",
            Column::Publisher => "publisher",
            Column::Year => "year",
            Column::Subjects => "subjects",
            Column::ItemBarcode => "item_barcode",
            Column::Branch => "branch",
            Column::Shelf => "shelf",
        }
    }
}

/// Where each known column is in a row.
struct Columns {
    /// Field index of each known column, indexed like [`Column::ALL`].
    index: [Option<usize>; Column::ALL.len()],
}

impl Columns {
    /// Finds the known columns in the header row.
    fn from_header(header: &[&str]) -> Result<Columns, ImportError> {
        let mut index = [None; Column::ALL.len()];
        for (position, name) in header.iter().enumerate() {
            let found = Column::ALL
                .iter()
                .zip(index.iter_mut())
                .find(|(column, _)| name.eq_ignore_ascii_case(column.name()));
            if let Some((column, slot)) = found {
                if slot.is_some() {
                    return Err(ImportError::DuplicateColumn {
                        column: column.name(),
                    });
                }
                *slot = Some(position);
            }
        }
        let columns = Columns { index };
        if columns.position(Column::Title).is_none() {
            return Err(ImportError::MissingColumn {
                column: Column::Title.name(),
            });
        }
        Ok(columns)
    }

    fn position(&self, column: Column) -> Option<usize> {
        let slot = Column::ALL.iter().position(|c| *c == column)?;
        self.index.get(slot).copied().flatten()
    }

    /// The trimmed cell of `column`, or `None` when the column is absent or
    /// the cell is empty.
    fn cell<'a>(&self, fields: &[&'a str], column: Column) -> Option<&'a str> {
        let text = fields.get(self.position(column)?)?;
        (!text.is_empty()).then_some(*text)
    }

    /// Checks one row whose field count matches the header.
    fn row(&self, fields: &[&str], line: u64) -> Result<CatalogueRow, RowError> {
        for (position, field) in fields.iter().enumerate() {
            if field.chars().any(char::is_control) {
                let column = self
                    .column_at(position)
                    .map_or_else(|| format!("column {}", position + 1), |c| c.name().into());
                return Err(RowError::ControlCharacter { column });
            }
        }
        let isbn = self
            .cell(fields, Column::Isbn)
            .map(|text| Isbn13::parse(text).map_err(|err| RowError::Isbn(err.to_string())))
            .transpose()?;
        let title = self
            .cell(fields, Column::Title)
            .ok_or(RowError::MissingTitle)?;
        let title = limited(title, Column::Title, MAX_TITLE_CHARS)?.to_owned();
        let title_kana = self.text(fields, Column::TitleKana, MAX_TITLE_CHARS)?;
        let authors = self.list(fields, Column::Authors)?;
        let publisher = self.text(fields, Column::Publisher, MAX_PUBLISHER_CHARS)?;
        let year = self
            .cell(fields, Column::Year)
            .map(parse_year)
            .transpose()?;
        let subjects = self.list(fields, Column::Subjects)?;
        let item_barcode = self
            .cell(fields, Column::ItemBarcode)
            .map(parse_barcode)
            .transpose()?;
        let branch = self
            .cell(fields, Column::Branch)
            .map(parse_branch)
            .transpose()?;
        let shelf = self.text(fields, Column::Shelf, MAX_SHELF_CHARS)?;
        if item_barcode.is_some() && branch.is_none() {
            return Err(RowError::MissingBranch);
        }
        Ok(CatalogueRow {
            line,
            isbn,
            title,
            title_kana,
            authors,
            publisher,
            year,
            subjects,
            item_barcode,
            branch,
            shelf,
        })
    }

    /// The known column at a field position, if any.
    fn column_at(&self, position: usize) -> Option<Column> {
        Column::ALL
            .iter()
            .zip(self.index.iter())
            .find(|(_, slot)| **slot == Some(position))
            .map(|(column, _)| *column)
    }

    /// An optional free-text cell of at most `max` characters.
    fn text(
        &self,
        fields: &[&str],
        column: Column,
        max: usize,
    ) -> Result<Option<String>, RowError> {
        self.cell(fields, column)
            .map(|text| limited(text, column, max).map(str::to_owned))
            .transpose()
    }

    /// A list cell: split on `;` or `；`, trimmed, empties dropped.
    fn list(&self, fields: &[&str], column: Column) -> Result<Vec<String>, RowError> {
        let Some(text) = self.cell(fields, column) else {
            return Ok(Vec::new());
        };
        Ok(limited(text, column, MAX_LIST_CHARS)?
            .split([';', '；'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect())
    }
}

/// `text` if it has at most `max` characters.
fn limited(text: &str, column: Column, max: usize) -> Result<&str, RowError> {
    if text.chars().nth(max).is_some() {
        return Err(RowError::TooLong {
            column: column.name(),
            max,
        });
    }
    Ok(text)
}

/// A `year` cell: four digits in [`YEARS`].
fn parse_year(text: &str) -> Result<i32, RowError> {
    let text: String = text.nfkc().collect();
    let invalid = || RowError::Year(shown(&text));
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let year: i32 = text.parse().map_err(|_| invalid())?;
    if !YEARS.contains(&year) {
        return Err(invalid());
    }
    Ok(year)
}

/// A cell's text for an error message, cut short if long.
fn shown(text: &str) -> String {
    const SHOWN_CHARS: usize = 20;
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(SHOWN_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// An `item_barcode` cell: 1–32 ASCII letters, digits or `-`.
fn parse_barcode(text: &str) -> Result<String, RowError> {
    let text: String = text.nfkc().collect();
    let valid = text.len() <= MAX_BARCODE_CHARS
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(text)
    } else {
        Err(RowError::Barcode)
    }
}

/// A `branch` cell: 1–16 ASCII letters, digits, `-` or `_`.
fn parse_branch(text: &str) -> Result<String, RowError> {
    let text: String = text.nfkc().collect();
    let valid = text.len() <= MAX_BRANCH_CHARS
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(text)
    } else {
        Err(RowError::Branch)
    }
}

/// Why one row is rejected.
#[derive(Debug, Error)]
enum RowError {
    #[error("the row has {found} fields but the header row has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("the `{column}` field contains a control character")]
    ControlCharacter { column: String },
    #[error("the `isbn` field is not a valid ISBN: {0}")]
    Isbn(String),
    #[error("the `title` field is empty")]
    MissingTitle,
    #[error("the `{column}` field is longer than {max} characters")]
    TooLong { column: &'static str, max: usize },
    #[error("the `year` field must be a four-digit year from 1000 to 2100, not {0:?}")]
    Year(String),
    #[error("the `item_barcode` field must be 1 to 32 ASCII letters, digits or hyphens")]
    Barcode,
    #[error("the `branch` field must be 1 to 16 ASCII letters, digits, hyphens or underscores")]
    Branch,
    #[error("the `branch` field is required when `item_barcode` is given")]
    MissingBranch,
    #[error("the `item_barcode` {barcode:?} is already used on line {first_line}")]
    DuplicateBarcode { barcode: String, first_line: u64 },
    #[error(
        "the `{column}` field opens a quote (\") that does not close on this line, so the \
         row cannot be read (a stray quote?); the next line is read on its own"
    )]
    BrokenQuote { column: String },
    #[error(
        "this line is part of the row that starts on line {first_line} (a quoted field \
         spans the line break), rejected there"
    )]
    ContinuedRow { first_line: u64 },
}

impl RowError {
    fn code(&self) -> &'static str {
        match self {
            RowError::FieldCount { .. } => "malformed_row",
            RowError::ControlCharacter { .. } => "control_character",
            RowError::Isbn(_) => "invalid_isbn",
            RowError::MissingTitle => "missing_title",
            RowError::TooLong { .. } => "field_too_long",
            RowError::Year(_) => "invalid_year",
            RowError::Barcode => "invalid_barcode",
            RowError::Branch => "invalid_branch",
            RowError::MissingBranch => "missing_branch",
            RowError::DuplicateBarcode { .. } => "duplicate_barcode",
            RowError::BrokenQuote { .. } => "malformed_quote",
            RowError::ContinuedRow { .. } => "continued_row",
        }
    }
}
