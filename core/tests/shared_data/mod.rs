//! Reading the real J-LIS and card data in `shared/` beside the repository.
//!
//! CI clones the repository with `shared/` beside it (`/X/main`, `/X/shared`).
//! A missing file fails the test when `CI=true`, and skips it otherwise.

/// Reads `shared/<rel>`, or `None` (with a note) outside CI when it is absent.
pub fn shared_file(rel: &str) -> Option<Vec<u8>> {
    let path = format!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/{}"), rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{path}: {e}; real JPKI data must be present on CI")
        }
        Err(e) => {
            eprintln!("note: skipping, {path} is not readable ({e}); CI=true makes this fail");
            None
        }
    }
}
