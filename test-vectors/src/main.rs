//! Test-vector generator (being written).
fn main() {}
