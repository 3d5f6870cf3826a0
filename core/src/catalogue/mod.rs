//! The library catalogue, without a database: search-text normalization and
//! n-gram terms, ISBNs, and parsing of catalogue CSV files. The server stores
//! what these functions return; nothing here does I/O beyond reading the
//! [`std::io::Read`] it is handed.
//!
//! # Search by n-grams
//!
//! Japanese is written without spaces between words, so "find titles that
//! contain this word" cannot split titles on spaces, and a morphological
//! analyser (MeCab, Sudachi, Lindera) brings a large dictionary, a version to
//! keep in step between indexing and querying, and segmentations that miss
//! words a reader expects to find. Instead every title, author and so on is
//! [`normalize`]d and cut into character n-grams ([`index_terms`]):
//!
//! * **bigrams** (two adjacent characters) make a multi-character query
//!   selective: a title matches `村上春樹` only if it holds all of `村上`,
//!   `上春` and `春樹` ([`query_terms`]);
//! * **unigrams** (single characters) are kept as well because one-character
//!   words are common and must be found: `猫`, `森`, `雪`. A two-character
//!   word such as `村上` is found through its single bigram.
//!
//! A query word matches when the item has *all* of the word's terms; several
//! words are ANDed. Bigram matching can give false positives (the bigrams of
//! a word can all occur in a title without the word itself); a caller that
//! needs exact matches removes them with a substring test on the normalized
//! text of the few candidates.
//!
//! The terms live in one plain table (`term`, `item`) queried with
//! `WHERE term IN (…) GROUP BY item HAVING COUNT(DISTINCT term) = n`, so the
//! same SQL works on SQLite and PostgreSQL: no FTS5 tokenizer, no
//! `pg_trgm`, no extension to install.
//!
//! A query word that [`looks_like_isbn`] is parsed with [`Isbn13::parse`]
//! instead, so both ISBN-10 and ISBN-13 forms find the same book.
//!
//! ```
//! use shiori_core::catalogue::{index_terms, normalize, query_terms};
//!
//! let terms = index_terms(&normalize("ノルウェイの森（上）"));
//! for word in normalize("のるうぇい 森").split(' ') {
//!     assert!(query_terms(word).iter().all(|t| terms.contains(t)));
//! }
//! ```
//!
//! * [`text`] — [`normalize`], [`index_terms`], [`query_terms`].
//! * [`isbn`] — [`Isbn13`], [`IsbnError`], [`looks_like_isbn`].
//! * [`csv_import`] — [`parse_catalogue_csv`] and its row and error types.
//! * [`marc`] — [`parse_marc`]: MARC 21 in ISO 2709 or MARCXML, same checks.

pub mod csv_import;
pub mod isbn;
mod line_endings;
pub mod marc;
pub mod text;

pub use csv_import::{
    parse_catalogue_csv, CatalogueImport, CatalogueRow, ImportError, RejectedRow, MAX_IMPORT_ROWS,
};
pub use isbn::{looks_like_isbn, Isbn13, IsbnError};
pub use marc::parse_marc;
pub use text::{index_terms, normalize, query_terms};
