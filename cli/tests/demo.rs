//! `shiori demo`, the README's main command, as a resident would run it: the
//! real binary with an embedded server and the virtual TEST card, start to
//! finish, checked through its `--json` summary.
#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn the_demo_registers_logs_in_reserves_and_traps() {
    let out = Command::new(env!("CARGO_BIN_EXE_shiori"))
        .args(["--json", "demo"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    let card: serde_json::Value = serde_json::from_str(include_str!(
        "../../test-vectors/expected/tanaka-hanako.json"
    ))
    .unwrap();
    assert_eq!(summary["patron"]["name"], card["name"]);
    assert_eq!(summary["patron"]["address"], card["address"]);
    assert_eq!(summary["login_found_same_patron"], true);
    assert_eq!(
        summary["card"]["card_number"],
        summary["patron"]["card_number"]
    );
    let first = &summary["search"]["titles"][0];
    assert!(
        first["authors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().contains("村上")),
        "{first}"
    );
    assert_eq!(summary["hold"]["title_id"], first["id"]);
    assert_eq!(summary["hold"]["state"], "ready");
    assert!(summary["hold"]["pickup_deadline"].is_string());
    // No secrets on either stream.
    for secret in ["HANAKO1990", "1234\""] {
        assert!(!stderr.contains(secret));
        assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    }
}
