//! Config loading: a good file resolves; each bad one names file, key, reason.

use super::*;

const GOOD: &str = r#"
[node]
id = "630202"
name = "乐都区委巡察办"
level = "county"

[parent]
id = "630200"
url = "https://127.0.0.1:7000"
level = "municipal"

[peer]
listen = "127.0.0.1:0"

[operator]
listen = "127.0.0.1:0"
token_file = "operator.token"

[tls]
ca = "ca.pem"
cert = "node.pem"
key = "node.key"

[store]
url = "sqlite://data/x.db"

[routing]
finding = "provincial"
"#;

fn write(dir: &Path, text: &str) -> PathBuf {
    for f in ["ca.pem", "node.pem", "node.key", "operator.token"] {
        std::fs::write(dir.join(f), "x").unwrap();
    }
    for f in ["node.key", "operator.token"] {
        secret(&dir.join(f));
    }
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn good_config_resolves_paths_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(&write(dir.path(), GOOD)).unwrap();
    assert_eq!(c.id.as_str(), "630202");
    assert_eq!(c.parent.as_ref().unwrap().level, Level::Municipal);
    assert_eq!(c.up_to(Kind::Finding), Some(Level::Provincial));
    assert_eq!(c.up_to(Kind::Notice), None);
    assert!(c.tls.key.starts_with(dir.path()));
    assert!(
        c.store_url
            .contains(&dir.path().join("data/x.db").display().to_string())
    );
    assert!(c.store_url.ends_with("mode=rwc"));
}

#[test]
fn bad_configs_name_the_key_and_reason() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            GOOD.replace("[store]", "colour = \"red\"\n[store]"),
            "line",
            "unknown field",
        ),
        (
            GOOD.replace("level = \"county\"", "level = \"city\""),
            "node.level",
            "未知的层级",
        ),
        (GOOD.replace("node.key", "missing.key"), "tls.key", "不存在"),
        (
            GOOD.replace("id = \"630202\"", "id = \"63 02\""),
            "node.id",
            "只能由 ASCII 字母",
        ),
        (
            GOOD.replace("level = \"municipal\"", "level = \"county\""),
            "parent.level",
            "上级必须比它高",
        ),
        (
            GOOD.replace("finding = \"provincial\"", "finding = \"planet\""),
            "routing.finding",
            "未知的层级",
        ),
        (
            GOOD.replace("https://127", "http://127"),
            "parent.url",
            "https://",
        ),
        (
            GOOD.replace("sqlite://data/x.db", "mysql://x"),
            "store.url",
            "应为 sqlite://",
        ),
        (
            GOOD.replace(
                "listen = \"127.0.0.1:0\"\ntoken_file",
                "listen = \"0.0.0.0:0\"\ntoken_file",
            ),
            "operator.listen",
            "[operator.tls]",
        ),
        (
            GOOD.replace(
                "token_file = \"operator.token\"",
                "token_file = \"operator.token\"\nallow_remote = true",
            ),
            "operator.allow_remote",
            "[operator.tls]",
        ),
        (
            GOOD.to_string() + "[schedules]\nhealth = \"* * * * *\"\n",
            "schedules.health",
            "秒在最前",
        ),
        (
            GOOD.to_string() + "[workflow]\ngreen_days = 5\nyellow_days = 10\n",
            "workflow.yellow_days",
            "不得超过",
        ),
        (
            GOOD.to_string() + "[workflow]\ntaxonomy = \"none.toml\"\n",
            "workflow.taxonomy",
            "不存在",
        ),
        (
            GOOD.to_string() + "[workflow]\nplan_working_days = 0\n",
            "workflow.plan_working_days",
            "",
        ),
    ];
    for (text, key, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &text);
        let err = Config::load(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(
            err.key.contains(key),
            "key {:?} should contain {key}: {msg}",
            err.key
        );
        assert!(msg.contains(reason), "{msg} should say {reason}");
    }
}

#[test]
fn shipped_example_configs_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for level in ["central", "provincial", "municipal", "county"] {
        let path = dir.join(format!("{level}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        // Point the file references at files that exist in a temp dir.
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("pki")).unwrap();
        for f in [
            "pki/ca.pem",
            "pki/node.pem",
            "pki/node.key",
            "pki/crl.pem",
            "pki/manifest.json",
            "pki/sign.key",
            "pki/seal.key",
            "operator.token",
        ] {
            std::fs::write(tmp.path().join(f), "x").unwrap();
        }
        for f in [
            "pki/node.key",
            "pki/sign.key",
            "pki/seal.key",
            "operator.token",
        ] {
            secret(&tmp.path().join(f));
        }
        let copy = tmp.path().join("config.toml");
        std::fs::write(&copy, text).unwrap();
        let c = Config::load(&copy).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(c.level.as_str(), level);
    }
}

#[test]
fn trust_section_is_optional_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(&write(dir.path(), GOOD)).unwrap();
    assert!(c.trust.is_none());

    let with_trust =
        format!("{GOOD}\n[trust]\nmanifest = \"manifest.json\"\nsign_key = \"sign.key\"\n");
    let path = write(dir.path(), &with_trust);
    let err = Config::load(&path).unwrap_err();
    assert_eq!(err.key, "trust.manifest");
    assert!(err.reason.contains("manifest.json"), "{err}");

    std::fs::write(dir.path().join("manifest.json"), "{}").unwrap();
    std::fs::write(dir.path().join("sign.key"), "x").unwrap();
    let err = Config::load(&path).unwrap_err();
    assert_eq!(err.key, "trust.sign_key");
    assert!(err.reason.contains("chmod 600"), "{err}");

    secret(&dir.path().join("sign.key"));
    let trust = Config::load(&path).unwrap().trust.unwrap();
    assert_eq!(trust.manifest, dir.path().join("manifest.json"));
    assert_eq!(trust.sign_key, dir.path().join("sign.key"));
    assert_eq!(trust.seal_key, None);

    // The sealing keys, when named, are private too.
    let path = write(
        dir.path(),
        &format!("{with_trust}seal_key = \"seal.key\"\n"),
    );
    std::fs::write(dir.path().join("seal.key"), "x").unwrap();
    let err = Config::load(&path).unwrap_err();
    assert_eq!(err.key, "trust.seal_key");
    assert!(err.reason.contains("chmod 600"), "{err}");
    secret(&dir.path().join("seal.key"));
    let trust = Config::load(&path).unwrap().trust.unwrap();
    assert_eq!(trust.seal_key, Some(dir.path().join("seal.key")));
}

/// Off loopback the operator listener needs `[operator.tls]`, whose key
/// is private; its CA defaults to the node's `tls.ca`.
#[test]
fn operator_tls_lets_the_listener_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let lan = GOOD.replace(
        "listen = \"127.0.0.1:0\"\ntoken_file",
        "listen = \"0.0.0.0:0\"\ntoken_file",
    );
    let text = lan.replace(
        "[tls]",
        "[operator.tls]\ncert = \"node.pem\"\nkey = \"wb.key\"\n\n[tls]",
    );
    let path = write(dir.path(), &text);
    std::fs::write(dir.path().join("wb.key"), "x").unwrap();
    let err = Config::load(&path).unwrap_err();
    assert_eq!(err.key, "operator.tls.key");
    assert!(err.reason.contains("chmod 600"), "{err}");
    secret(&dir.path().join("wb.key"));
    let c = Config::load(&path).unwrap();
    let tls = c.operator_tls.expect("operator.tls");
    assert_eq!(tls.ca, dir.path().join("ca.pem"));
    assert_eq!(tls.key, dir.path().join("wb.key"));
    assert_eq!(c.sign_in_limit.failures, 5);
    assert_eq!(c.sign_in_limit.lock.as_secs(), 900);
}

fn secret(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn secrets_readable_by_others_stop_start_up() {
    use std::os::unix::fs::PermissionsExt;
    for (file, key) in [
        ("node.key", "tls.key"),
        ("operator.token", "operator.token_file"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), GOOD);
        std::fs::set_permissions(
            dir.path().join(file),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let err = Config::load(&path).unwrap_err();
        assert_eq!(err.key, key);
        assert!(err.reason.contains("chmod 600"), "{err}");
    }
}

/// The defaults `config/county.toml` documents: every commented-out
/// `# key = value` line (exactly one space after `#`), keyed by its section.
fn documented_defaults(text: &str) -> BTreeMap<String, toml::Value> {
    let mut section = String::new();
    let mut found = BTreeMap::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let Some(assignment) = line.strip_prefix("# ") else {
            continue;
        };
        if !assignment.starts_with(|c: char| c.is_ascii_lowercase()) {
            continue;
        }
        // Prose is not TOML; an assignment is.
        let Ok(table) = assignment.parse::<toml::Table>() else {
            continue;
        };
        for (key, value) in table {
            let key = format!("{section}.{key}");
            assert!(
                found.insert(key.clone(), value).is_none(),
                "{key} documented twice"
            );
        }
    }
    found
}

/// Every default the resolver applies, by key.
fn defaults() -> BTreeMap<String, toml::Value> {
    let int = |v: u64| toml::Value::Integer(i64::try_from(v).unwrap());
    let text = |v: &str| toml::Value::String(v.to_string());
    let d = Deadlines::default();
    let mut all: BTreeMap<String, toml::Value> = [
        ("peer.max_record_bytes", int(raw::DEFAULT_MAX_RECORD_BYTES)),
        (
            "peer.max_batch_records",
            int(raw::DEFAULT_MAX_BATCH_RECORDS),
        ),
        ("peer.max_batch_bytes", int(raw::DEFAULT_MAX_BATCH_BYTES)),
        ("peer.long_poll_secs", int(raw::DEFAULT_LONG_POLL_SECS)),
        (
            "peer.idle_close_secs",
            int(raw::DEFAULT_LONG_POLL_SECS + raw::IDLE_CLOSE_GRACE_SECS),
        ),
        (
            "operator.sign_in_failures",
            int(raw::DEFAULT_SIGN_IN_FAILURES),
        ),
        (
            "operator.sign_in_lock_secs",
            int(raw::DEFAULT_SIGN_IN_LOCK_SECS),
        ),
        ("store.compact_secs", int(raw::DEFAULT_COMPACT_SECS)),
        ("sync.retry_min_ms", int(raw::DEFAULT_RETRY_MIN_MS)),
        ("sync.retry_max_secs", int(raw::DEFAULT_RETRY_MAX_SECS)),
        ("sync.budget_records", int(raw::DEFAULT_BUDGET_RECORDS)),
        ("sync.budget_bytes", int(raw::DEFAULT_BUDGET_BYTES)),
        ("sync.budget_age_hours", int(raw::DEFAULT_BUDGET_AGE_HOURS)),
        (
            "sync.ready_parent_down_secs",
            int(raw::DEFAULT_READY_PARENT_DOWN_SECS),
        ),
        ("schedules.health", text(raw::DEFAULT_HEALTH_SCHEDULE)),
        (
            "schedules.health_stale_secs",
            int(raw::DEFAULT_HEALTH_STALE_SECS),
        ),
        (
            "schedules.supervision",
            text(raw::DEFAULT_SUPERVISION_SCHEDULE),
        ),
        ("schedules.release", text(raw::DEFAULT_RELEASE_SCHEDULE)),
        (
            "workflow.plan_working_days",
            int(d.plan_working_days.into()),
        ),
        ("workflow.report_months", int(d.report_months.into())),
        ("workflow.clue_months", int(d.clue_months.into())),
        ("workflow.green_days", int(d.green_days.try_into().unwrap())),
        (
            "workflow.yellow_days",
            int(d.yellow_days.try_into().unwrap()),
        ),
        ("log.format", text(raw::DEFAULT_LOG_FORMAT)),
        ("ui.lang", text(raw::DEFAULT_UI_LANG)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for kind in Kind::ALL {
        let up = default_routing(kind).map_or("none", Level::as_str);
        all.insert(format!("routing.{}", kind.as_str()), text(up));
    }
    all
}

#[test]
fn county_toml_documents_every_default_as_resolved() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/county.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let documented = documented_defaults(&text);
    let expected = defaults();
    let mut wrong = Vec::new();
    for (key, value) in &expected {
        match documented.get(key) {
            None => wrong.push(format!("{key}: default {value} is not documented")),
            Some(v) if v != value => wrong.push(format!("{key}: documented {v}, default {value}")),
            Some(_) => {}
        }
    }
    for key in documented.keys().filter(|k| !expected.contains_key(*k)) {
        wrong.push(format!("{key}: documented as a default, but has none"));
    }
    assert!(
        wrong.is_empty(),
        "{}:\n{}",
        path.display(),
        wrong.join("\n")
    );
}
