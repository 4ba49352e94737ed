//! `xunlian demo --once` runs the whole scenario and exits 0, and prints
//! only what outlives it.

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
    assert!(stdout.contains("演示完成。"), "{stdout}");
    // The network is stopped: no dashboard, no `status` to try; the
    // directory it ran in is still there, and named.
    let kept = dir.path().join("demo");
    assert!(kept.join("000000").join("config.toml").is_file());
    let after = stdout.split("演示完成。").nth(1).unwrap();
    assert!(
        !after.contains("http://") && !after.contains("xunlian status"),
        "{after}"
    );
    assert!(
        after.contains(&format!("--config {}/<id>/config.toml", kept.display())),
        "{after}"
    );
}

#[test]
fn demo_once_in_a_temporary_directory_names_nothing_it_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let ports = crate::common::ports::PortBlock::claim();
    let out = Command::new(env!("CARGO_BIN_EXE_xunlian"))
        .args(["demo", "--once", "--ports", &ports.range.to_string()])
        .env("TMPDIR", tmp.path())
        .output()
        .expect("run xunlian demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let ran_in = stdout
        .lines()
        .find_map(|l| l.split_once("，文件在 ").map(|(_, d)| d.trim().to_string()))
        .unwrap_or_else(|| panic!("no directory named: {stdout}"));
    assert!(!std::path::Path::new(&ran_in).exists(), "{ran_in} is left");
    let after = stdout.split("演示完成。").nth(1).unwrap();
    assert!(
        !after.contains(&ran_in) && !after.contains("http://"),
        "{after}"
    );
}
