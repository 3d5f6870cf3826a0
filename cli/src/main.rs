//! The `shiori` command (being written).
fn main() {}
