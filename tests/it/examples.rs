//! The command blocks of README.md and `docs/*.md` that talk to a network
//! work as written: each is run, line by line, against a live network the
//! blocks themselves set up.
//!
//! A block is marked by an HTML comment on the line before its ```` ```sh ````
//! fence: `<!-- example: NAME -->` runs it; `<!-- example-skip: WHY -->`
//! says why it is not run here (Docker, files outside the project). Every
//! `sh` block that names `--config` carries one of the two. The blocks run
//! in order on one network: README.md's first, then `docs/` by file name.
//!
//! What the test changes, and nothing else:
//! - `xunlian` is the binary of this build; `cargo install --path .` (which
//!   builds it) is skipped;
//! - `/tmp/net` is a directory of the test's own, and `--config ID.toml`
//!   means that office's config there (`/tmp/net/ID/config.toml`);
//! - `network init` gets `--ports` of a block of the test's own;
//! - `xunlian daemon … &` starts that office in the background (stopped at
//!   the end), and the comment `one daemon per office` starts the others;
//! - `[…]` (optional arguments) and `# …` (comments) are left out;
//! - records and health travel asynchronously, so a command that reads
//!   what travels (`query`, `status`, `assign`, `report`) is repeated (for
//!   up to a minute) until it succeeds — for `query`, until it prints a
//!   record; `status` succeeds with exit 0 (all `ok`) or 1 (an office not
//!   `ok` yet, e.g. `never_seen` before its first health minute).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::ports::PortBlock;
use crate::common::text;

/// Where the examples write their network.
const EXAMPLE_DIR: &str = "/tmp/net";

/// One marked command block.
struct Block {
    doc: String,
    name: String,
    /// `None` when the block is run; else why not.
    skip: Option<String>,
    lines: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md, then `docs/*.md` by name.
fn documents() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("read docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.insert(0, root().join("README.md"));
    docs
}

/// The `sh` blocks of `text` (from `doc`): marked ones, and the names of
/// unmarked ones that name `--config`.
fn blocks(doc: &str, text: &str) -> (Vec<Block>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let (mut marked, mut unmarked) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let body: Vec<String> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.trim().starts_with("```"))
            .map(|l| l.trim().to_string())
            .collect();
        let marker = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .and_then(|l| l.strip_prefix("<!-- "))
            .and_then(|l| l.strip_suffix(" -->"));
        let what = |prefix: &str| marker.and_then(|m| m.strip_prefix(prefix)).map(str::trim);
        if fence == "```sh" {
            match (what("example:"), what("example-skip:")) {
                (Some(name), _) => marked.push(Block {
                    doc: doc.into(),
                    name: name.into(),
                    skip: None,
                    lines: body.clone(),
                }),
                (None, Some(why)) => marked.push(Block {
                    doc: doc.into(),
                    name: format!("line {}", i + 1),
                    skip: Some(why.into()),
                    lines: body.clone(),
                }),
                (None, None) if body.iter().any(|l| l.contains("--config")) => {
                    unmarked.push(format!("{doc}:{}", i + 1));
                }
                (None, None) => {}
            }
        }
        i += body.len() + 2;
    }
    (marked, unmarked)
}

/// The commands of a block: continuation lines joined, comments and
/// optional arguments left out. A comment asking for a daemon per office
/// is kept as the command `one daemon per office`.
fn commands(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut joined = String::new();
    for line in lines {
        if line.starts_with('#') {
            if line.contains("one daemon per office") {
                out.push("one daemon per office".to_string());
            }
            continue;
        }
        let code = line.split(" #").next().unwrap_or("").trim();
        match code.strip_suffix('\\') {
            Some(part) => {
                joined.push_str(part);
                joined.push(' ');
            }
            None => {
                joined.push_str(code);
                let mut cmd = String::new();
                let mut depth = 0;
                for c in joined.chars() {
                    match c {
                        '[' => depth += 1,
                        ']' => depth -= 1,
                        _ if depth == 0 => cmd.push(c),
                        _ => {}
                    }
                }
                let cmd = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
                if !cmd.is_empty() {
                    out.push(cmd);
                }
                joined.clear();
            }
        }
    }
    out
}

/// The daemons the examples started; killed when the test ends.
struct Daemons {
    dir: PathBuf,
    running: Vec<(String, Child)>,
}

impl Daemons {
    fn start(&mut self, config: &str) {
        let id = Path::new(config)
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| panic!("no office in {config}"));
        let log = std::fs::File::create(self.dir.join(format!("{id}.log"))).expect("daemon log");
        let child = Command::new(env!("CARGO_BIN_EXE_xunlian"))
            .args(["daemon", "--config", config])
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start daemon");
        self.running.push((id.clone(), child));
        self.wait_listening(&id, config);
    }

    /// Waits until office `id` (config file `config`) accepts connections
    /// on its operator listener, as the examples' next commands expect.
    fn wait_listening(&mut self, id: &str, config: &str) {
        let text = std::fs::read_to_string(config).expect("read config");
        let config: toml::Table = toml::from_str(&text).expect("parse config");
        let listen = config["operator"]["listen"]
            .as_str()
            .expect("operator.listen");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(listen).is_err() {
            let (_, child) = self.running.last_mut().expect("started");
            let log = self.dir.join(format!("{id}.log"));
            let exited = child.try_wait().expect("daemon status");
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "office {id} does not listen on {listen} ({exited:?}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn started(&self, id: &str) -> bool {
        self.running.iter().any(|(r, _)| r == id)
    }
}

impl Drop for Daemons {
    fn drop(&mut self) {
        for (_, child) in &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `args` as this test runs them: `/tmp/net` and `--config ID.toml`
/// pointed at `net`, `network init` given `ports`.
fn substitute(args: &[&str], net: &Path, ports: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, a) in args.iter().enumerate() {
        let mut a = a.replace(EXAMPLE_DIR, &net.display().to_string());
        if k > 0
            && args[k - 1] == "--config"
            && let Some(id) = a.strip_suffix(".toml")
            && !id.contains('/')
        {
            a = net.join(id).join("config.toml").display().to_string();
        }
        out.push(a);
    }
    if args.starts_with(&["xunlian", "network", "init"]) {
        out.extend(["--ports".to_string(), ports.to_string()]);
    }
    out
}

/// Commands whose answer depends on what has travelled (records, health,
/// the subtree an office has learned): repeated until they work. Others
/// (`network init`, `submit`) act on one office alone and run once.
const WAIT_FOR_THE_NETWORK: [&str; 4] = ["query", "status", "assign", "report"];

/// Whether `out` is the command working as the docs say.
fn works(args: &[String], out: &Output) -> bool {
    match args.get(1).map(String::as_str) {
        Some("status") => matches!(out.status.code(), Some(0 | 1)) && !out.stdout.is_empty(),
        Some("query") => out.status.success() && !out.stdout.is_empty(),
        _ => out.status.success(),
    }
}

/// Runs `cmd` from `block` until it works (at most a minute).
fn run(block: &Block, cmd: &str, net: &Path, ports: &str, daemons: &mut Daemons) {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    if cmd == "one daemon per office" {
        let mut offices: Vec<String> = std::fs::read_dir(net)
            .expect("the network's directory")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("config.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        offices.sort();
        offices.retain(|id| !daemons.started(id));
        for id in &offices {
            daemons.start(&net.join(id).join("config.toml").display().to_string());
        }
        return;
    }
    if words.starts_with(&["cargo", "install"]) {
        return;
    }
    assert_eq!(
        words.first(),
        Some(&"xunlian"),
        "{}, example {}: `{cmd}` is not an xunlian command this test can run",
        block.doc,
        block.name
    );
    let args = substitute(&words, net, ports);
    if words.get(1) == Some(&"daemon") {
        assert_eq!(
            words.last(),
            Some(&"&"),
            "a daemon runs in the background: {cmd}"
        );
        daemons.start(&args[3]);
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_xunlian"))
            .args(&args[1..])
            .current_dir(root())
            .output()
            .expect("run xunlian");
        if works(&args, &out) {
            eprintln!("{} ({}): ran {cmd}", block.doc, block.name);
            return;
        }
        let waits = words
            .get(1)
            .is_some_and(|c| WAIT_FOR_THE_NETWORK.contains(c));
        assert!(
            waits && Instant::now() < deadline,
            "{}, example {}: `{cmd}` fails as written:\n{}",
            block.doc,
            block.name,
            text(&out)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn every_example_that_talks_to_a_network_works_as_written() {
    let mut all = Vec::new();
    let mut unmarked = Vec::new();
    for path in documents() {
        let doc = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read doc");
        let (marked, missing) = blocks(&doc, &text);
        all.extend(marked);
        unmarked.extend(missing);
    }
    assert!(
        unmarked.is_empty(),
        "sh blocks naming --config without `<!-- example: NAME -->` or \
         `<!-- example-skip: WHY -->` before them: {unmarked:?}"
    );
    let run_here: Vec<&Block> = all.iter().filter(|b| b.skip.is_none()).collect();
    assert!(
        run_here
            .iter()
            .any(|b| b.doc == "README.md" && b.name == "network"),
        "README.md's network example is not marked"
    );

    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net");
    let ports = PortBlock::claim();
    let ports = ports.range.to_string();
    let mut daemons = Daemons {
        dir: dir.path().to_path_buf(),
        running: Vec::new(),
    };
    for block in run_here {
        for cmd in commands(&block.lines) {
            run(block, &cmd, &net, &ports, &mut daemons);
        }
    }
}

#[test]
fn example_commands_are_read_as_the_docs_write_them() {
    let lines: Vec<String> = [
        "cargo install --path .    # or use target/debug/xunlian",
        "# ... one daemon per office ...",
        "xunlian assign cross --config 630000.toml --offices 630102 \\",
        "    --round R --avoid-last 2 [--seed 7] --dry-run",
        "xunlian status --config /tmp/net/630200/config.toml [--json]",
    ]
    .iter()
    .map(|l| l.trim().to_string())
    .collect();
    assert_eq!(
        commands(&lines),
        [
            "cargo install --path .",
            "one daemon per office",
            "xunlian assign cross --config 630000.toml --offices 630102 --round R --avoid-last 2 --dry-run",
            "xunlian status --config /tmp/net/630200/config.toml",
        ]
    );
    let net = Path::new("/x");
    assert_eq!(
        substitute(
            &["xunlian", "report", "--config", "630000.toml"],
            net,
            "1-2"
        ),
        ["xunlian", "report", "--config", "/x/630000/config.toml"]
    );
    assert_eq!(
        substitute(
            &["xunlian", "network", "init", "--dir", "/tmp/net"],
            net,
            "1-2"
        ),
        [
            "xunlian", "network", "init", "--dir", "/x", "--ports", "1-2"
        ]
    );
}
