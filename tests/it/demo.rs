//! `xunlian demo --once` runs the whole scenario and exits 0.

use std::process::Command;

#[test]
fn demo_once_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    // Ports of its own, so no other test's daemon can hold one.
    let ports = crate::common::ports::PortBlock::claim();
    let out = Command::new(env!("CARGO_BIN_EXE_xunlian"))
        .args([
            "demo",
            "--once",
            "--ports",
            &ports.range.to_string(),
            "--dir",
        ])
        .arg(dir.path().join("demo"))
        .output()
        .expect("run xunlian demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Scenario complete."), "{stdout}");
}
