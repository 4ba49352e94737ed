//! docker-compose.yml agrees with config/ and with what `network init`
//! writes for it (this machine has no Docker engine, so the file is
//! checked, not run): services, ports, certificate paths, store URLs.

use std::path::Path;
use std::process::Command;

use serde_yaml::Value;
use xunlian::config::Config;
use xunlian::network::Tree;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn compose_file_matches_config_and_network_init() {
    crate::common::install_crypto();
    let compose: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("docker-compose.yml")).unwrap())
            .unwrap();
    let services = &compose["services"];
    let volumes = &compose["volumes"];

    // The init service runs `network init` on a tree shipped in config/.
    let init = strs(&services["init"]["command"]).join(" ");
    let args: Vec<&str> = init
        .split_whitespace()
        .skip_while(|w| *w != "xunlian")
        .skip(1)
        .collect();
    assert_eq!(&args[..2], ["network", "init"], "{init}");
    let tree_arg = args[args.iter().position(|a| *a == "--tree").unwrap() + 1];
    let tree_file = root().join("config").join(
        tree_arg
            .strip_prefix("/etc/xunlian/")
            .expect("tree from /etc/xunlian"),
    );
    let tree = Tree::load(&tree_file).unwrap();
    assert!(strs(&services["init"]["volumes"]).contains(&"pki:/net".to_string()));

    // Run the same command here, with /net mapped to a temp dir.
    let tmp = tempfile::tempdir().unwrap();
    let net = tmp.path().join("net");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xunlian"));
    for a in &args {
        cmd.arg(match *a {
            "/net" => net.to_str().unwrap().to_string(),
            a if a == tree_arg => tree_file.to_str().unwrap().to_string(),
            a => a.to_string(),
        });
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pg = &services["postgres"]["environment"];
    let pg_url = format!(
        "postgres://{}:{}@postgres:5432/{}",
        pg["POSTGRES_USER"].as_str().unwrap(),
        pg["POSTGRES_PASSWORD"].as_str().unwrap(),
        pg["POSTGRES_DB"].as_str().unwrap()
    );
    for n in &tree.nodes {
        let name = format!("node-{}", n.id);
        let svc = &services[name.as_str()];
        assert!(svc.is_mapping(), "no service {name}");
        assert_eq!(
            strs(&svc["command"]),
            ["daemon", "--config", &format!("/net/{}/config.toml", n.id)]
        );
        let vols = strs(&svc["volumes"]);
        let data = format!("data-{}", n.id);
        assert!(vols.contains(&"pki:/net".to_string()), "{name}: {vols:?}");
        assert!(
            vols.contains(&format!("{data}:/net/{}/data", n.id)),
            "{name}: {vols:?}"
        );
        assert!(
            volumes[data.as_str()].is_null() || volumes[data.as_str()].is_mapping(),
            "volume {data}"
        );
        assert!(
            volumes
                .as_mapping()
                .unwrap()
                .contains_key(Value::from(data.as_str())),
            "volume {data} declared"
        );
        let health = strs(&svc["healthcheck"]["test"]).join(" ");
        assert!(
            svc["depends_on"]["init"]["condition"] == "service_completed_successfully",
            "{name} waits for init"
        );

        let config = Config::load(&net.join(n.id.as_str()).join("config.toml")).unwrap();
        assert_eq!(config.peer_listen.to_string(), "0.0.0.0:7443");
        assert!(
            health.contains(&format!("http://{}/healthz", config.operator_listen)),
            "{health}"
        );
        for f in [&config.tls.ca, &config.tls.cert, &config.tls.key] {
            assert!(f.starts_with(&net), "{} inside the pki volume", f.display());
        }
        let cert = xunlian::identity::load_first_cert(&config.tls.cert).unwrap();
        let (_, x509) = x509_parser::parse_x509_certificate(&cert).unwrap();
        let san = format!(
            "{:?}",
            x509.subject_alternative_name().unwrap().unwrap().value
        );
        assert!(
            san.contains(&name),
            "certificate of {name} names its host: {san}"
        );
        if let Some(p) = &config.parent {
            let host = format!("node-{}", p.id);
            assert_eq!(p.url, format!("https://{host}:7443"));
            assert!(
                services[host.as_str()].is_mapping(),
                "parent service {host}"
            );
        }
        if n.parent.is_none() {
            assert_eq!(
                config.store_url, pg_url,
                "central on the compose PostgreSQL"
            );
            assert!(svc["depends_on"]["postgres"]["condition"] == "service_healthy");
        } else {
            assert!(config.store_url.starts_with(&format!(
                "sqlite://{}",
                net.join(n.id.as_str()).join("data").display()
            )));
        }
    }
    assert!(
        volumes
            .as_mapping()
            .unwrap()
            .contains_key(Value::from("pki"))
    );
    assert!(root().join("Dockerfile").is_file());
}
