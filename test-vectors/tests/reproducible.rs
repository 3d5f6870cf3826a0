//! The committed test vectors are exactly what the generator produces today:
//! regenerate in memory and compare byte for byte with the files on disk.

#[test]
fn committed_vectors_match_the_generator() {
    let files = shiori_test_vectors::generate().expect("the generator runs");
    let dir = shiori_test_vectors::default_dir();
    let problems = shiori_test_vectors::differences(&dir, &files).expect("the tree is readable");
    assert!(
        problems.is_empty(),
        "test vectors drifted; run `cargo run -p shiori-test-vectors --bin generate`:\n{}",
        problems.join("\n")
    );
}
