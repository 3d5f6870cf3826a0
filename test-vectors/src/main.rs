//! `generate`: writes Shiori's TEST PKI, virtual cards, CRLs and expected facts
//! under `test-vectors/` (or `--out DIR`); `--check` compares instead of writing
//! and exits non-zero listing every file that differs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut check = false;
    let mut dir = shiori_test_vectors::default_dir();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--out" => match args.next() {
                Some(path) => dir = PathBuf::from(path),
                None => return usage("--out needs a directory"),
            },
            "-h" | "--help" => {
                println!("usage: generate [--check] [--out DIR]");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    let started = Instant::now();
    let files = match shiori_test_vectors::generate() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("generate: {e}");
            return ExitCode::FAILURE;
        }
    };
    let elapsed = started.elapsed();
    if check {
        match shiori_test_vectors::differences(&dir, &files) {
            Ok(problems) if problems.is_empty() => {
                println!(
                    "{} files in {} match ({:.1?} to generate)",
                    files.len(),
                    dir.display(),
                    elapsed
                );
                ExitCode::SUCCESS
            }
            Ok(problems) => {
                for p in &problems {
                    eprintln!("{p}");
                }
                eprintln!(
                    "{} problem(s); regenerate with `cargo run -p shiori-test-vectors --bin generate`",
                    problems.len()
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("check: {e}");
                ExitCode::FAILURE
            }
        }
    } else {
        match shiori_test_vectors::write(&dir, &files) {
            Ok(()) => {
                println!(
                    "wrote {} files to {} ({:.1?} to generate)",
                    files.len(),
                    dir.display(),
                    elapsed
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("write: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("generate: {message}\nusage: generate [--check] [--out DIR]");
    ExitCode::from(2)
}
