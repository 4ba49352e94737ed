# The English message catalogue of xunlian (zh-CN.ftl is the default).
# Keys match zh-CN.ftl one for one; daemon/i18n/tests.rs checks it.

## Command-line help: clap's headings
help-usage = Usage:
help-options = Options
help-arguments = Arguments
help-commands = Commands
help-examples = Examples:

## Commands (cmd-PATH)
cmd-xunlian = xunlian (巡联): the sync daemon of the four-level inspection supervision network. One daemon runs per office and exchanges round plans, findings, rectifications and assignments with its parent and children over mutual TLS.
cmd-xunlian-daemon = Run one node from its config file
cmd-xunlian-demo = Run a small demo network locally and drive a scripted scenario
cmd-xunlian-network = Write whole networks (PKI and configs) for pilots and tests
cmd-xunlian-network-init = Write every node's certificate and config from a tree file
cmd-xunlian-pki = Manage the network's certificate authority step by step
cmd-xunlian-pki-init = Create the network CA
cmd-xunlian-pki-issue = Issue a node's certificate
cmd-xunlian-pki-revoke = Revoke a certificate (into the CRL)
cmd-xunlian-pki-sign-key = Make an office's record-signing key (and clue-sealing key) and print its public line
cmd-xunlian-pki-manifest = Sign the tree manifest with the CA
cmd-xunlian-submit = Submit a record to a running node (operator API)
cmd-xunlian-query = Query records held by a running node, as JSON lines
cmd-xunlian-status = Show a running node, its links and backlog
cmd-xunlian-quarantine = List the records a running node refused; retry them once the cause is fixed, or discard them
cmd-xunlian-quarantine-list = List the quarantined records
cmd-xunlian-quarantine-retry = Retry quarantined records
cmd-xunlian-quarantine-discard = Discard quarantined records (with a reason)
cmd-xunlian-import = Import the unit register, findings or rectification progress from XLSX or CSV, or write a template
cmd-xunlian-import-units = Import the unit register (被巡察党组织名册)
cmd-xunlian-import-findings = Import findings
cmd-xunlian-import-progress = Import rectification progress
cmd-xunlian-import-template = Write an import template (.xlsx or .csv)
cmd-xunlian-units = Manage this office's unit register
cmd-xunlian-units-import = Import the register (as import units)
cmd-xunlian-report = Coverage, statistics and the rectification ledger of this office and its subtree
cmd-xunlian-report-coverage = Coverage of the term (全覆盖)
cmd-xunlian-report-stats = Findings and rectification statistics
cmd-xunlian-report-ledger = The rectification ledger (整改台账)
cmd-xunlian-report-assignments = Cross and elevated inspection assignments
cmd-xunlian-export = Export the findings list or the rectification ledger as CSV for Excel
cmd-xunlian-supervise = Run supervision (督办) now: grade open items, notify on grade changes
cmd-xunlian-assign = Arrange cross and elevated inspections from a coordinating office, and release cross findings at feedback
cmd-xunlian-assign-cross = Plan and issue a round of cross inspection (交叉巡察)
cmd-xunlian-assign-elevated = Elevated inspection (提级巡察): take over units of a lower office
cmd-xunlian-assign-release = Release cross findings whose feedback date has come, now

## Examples (ex-PATH)
ex-xunlian =
    {"  "}xunlian network init --tree tree.toml --dir net
    {"  "}xunlian daemon --config net/630102/config.toml
    {"  "}xunlian status --config net/630102/config.toml
    {"  "}xunlian --lang en status --config net/630102/config.toml   # in English
ex-xunlian-daemon = {"  "}xunlian daemon --config /etc/xunlian/config.toml
ex-xunlian-demo = {"  "}xunlian demo --once
ex-xunlian-network = {"  "}xunlian network init --tree tree.toml --dir net
ex-xunlian-network-init =
    {"  "}xunlian network init --tree tree.toml --dir net
    {"  "}xunlian network init --tree tree.toml --dir net --addressing hosts --crypto sm
ex-xunlian-pki = {"  "}xunlian pki init --dir ca
ex-xunlian-pki-init = {"  "}xunlian pki init --dir ca --name "Province network CA"
ex-xunlian-pki-issue = {"  "}xunlian pki issue --ca ca --node 630102 --out certs/630102 --dns node-630102
ex-xunlian-pki-revoke = {"  "}xunlian pki revoke --ca ca --cert certs/630102/node.pem
ex-xunlian-pki-sign-key = {"  "}xunlian pki sign-key --config config.toml --out sign.key --seal-out seal.key
ex-xunlian-pki-manifest = {"  "}xunlian pki manifest --ca ca --tree tree.toml --keys keys/ --version 2 --out manifest.json
ex-xunlian-submit =
    {"  "}xunlian submit --config config.toml --kind finding --file finding.json --round 2026-1
    {"  "}xunlian submit --config config.toml --kind finding --file findings.jsonl   # bulk, one per line
ex-xunlian-query = {"  "}xunlian query --config config.toml --kind finding --round 2026-1
ex-xunlian-status =
    {"  "}xunlian status --config config.toml
    {"  "}xunlian status --config config.toml --json
ex-xunlian-quarantine = {"  "}xunlian quarantine list --config config.toml
ex-xunlian-quarantine-list = {"  "}xunlian quarantine list --config config.toml
ex-xunlian-quarantine-retry = {"  "}xunlian quarantine retry --config config.toml 3 4
ex-xunlian-quarantine-discard = {"  "}xunlian quarantine discard --config config.toml 5 --why "submitted twice"
ex-xunlian-import = {"  "}xunlian import units --config config.toml units.xlsx
ex-xunlian-import-units = {"  "}xunlian import units --config config.toml units.xlsx
ex-xunlian-import-findings = {"  "}xunlian import findings --config config.toml findings.xlsx
ex-xunlian-import-progress = {"  "}xunlian import progress --config config.toml progress.csv
ex-xunlian-import-template = {"  "}xunlian import template findings --out findings-template.xlsx
ex-xunlian-units = {"  "}xunlian units import --config config.toml units.csv
ex-xunlian-units-import = {"  "}xunlian units import --config config.toml units.csv --replace
ex-xunlian-report = {"  "}xunlian report ledger --config config.toml
ex-xunlian-report-coverage = {"  "}xunlian report coverage --config config.toml --term 2021-2026
ex-xunlian-report-stats = {"  "}xunlian report stats --config config.toml --round 2026-1
ex-xunlian-report-ledger = {"  "}xunlian report ledger --config config.toml --round 2026-1
ex-xunlian-report-assignments = {"  "}xunlian report assignments --config config.toml
ex-xunlian-export = {"  "}xunlian export findings --config config.toml --out findings.csv
ex-xunlian-supervise = {"  "}xunlian supervise --config config.toml
ex-xunlian-assign = {"  "}xunlian assign cross --config config.toml --offices 630102,630103 --round 2026-1 --dry-run
ex-xunlian-assign-cross = {"  "}xunlian assign cross --config config.toml --offices 630102,630103,630104 --round 2026-1 --dry-run
ex-xunlian-assign-elevated = {"  "}xunlian assign elevated --config config.toml --office 630102 --units u1,u2 --round 2026-1
ex-xunlian-assign-release = {"  "}xunlian assign release --config config.toml

## Arguments (arg-PATH-ID, or arg-ID shared by every command)
arg-help = Print help
arg-version = Print version
arg-lang = Language: zh (Chinese, the default) or en (English); also config ui.lang or the LANG environment variable
arg-config = The node's TOML config file
arg-json = Print JSON for scripts
arg-round = Only this round (its round_id)
arg-file = The sheet: .xlsx, .xls, .ods or .csv (UTF-8 or GBK/GB18030)
arg-replace = Replace the register instead of merging into it
arg-xunlian-daemon-log_json = Log as JSON lines instead of the human format (overrides log.format)
arg-xunlian-demo-dir = Directory for the network's PKI, configs and SQLite files (default: a new temporary directory)
arg-xunlian-demo-once = Exit with status 0 after the scenario instead of running until Ctrl-C
arg-xunlian-demo-ports = Loopback ports to take, as LOW-HIGH (two per office, each checked free); default as network init
arg-xunlian-network-init-tree = Tree file (TOML): one [[node]] table per office with id, name, level and parent (absent for central)
arg-xunlian-network-init-dir = Output directory; must be empty or absent. Gets DIR/<id>/config.toml per node
arg-xunlian-network-init-addressing = loopback (default): every node on this machine, free loopback ports; hosts: one host per node named node-<id> (containers), peer port 7443, operator API on 127.0.0.1:8443
arg-xunlian-network-init-stores = Store URL for one node, as ID=URL (repeatable), e.g. 000000=postgres://xunlian@db/xunlian; the others use SQLite files
arg-xunlian-network-init-ports = With loopback: the ports to take, as LOW-HIGH (two per node); default: the range below the kernel's ephemeral ports
arg-xunlian-network-init-crypto = The cryptography of record signatures: standard (default; ECDSA P-256, SHA-256) or sm (SM2, SM3: GB/T 39786); TLS is 1.3 either way
arg-xunlian-pki-init-dir = Directory for the CA files; must not hold a CA key already
arg-xunlian-pki-init-name = Common name of the CA certificate (default "xunlian network CA")
arg-xunlian-pki-init-days = Validity of the CA certificate in days (default 3650)
arg-xunlian-pki-issue-ca = The CA directory (from pki init)
arg-xunlian-pki-issue-node = Node id the certificate names (GB/T 2260 code or letters, digits, - and _)
arg-xunlian-pki-issue-out = Output directory: gets node.pem and node.key (0600)
arg-xunlian-pki-issue-dns = A DNS name the node serves under (repeatable)
arg-xunlian-pki-issue-ip = An IP address the node serves on (repeatable)
arg-xunlian-pki-issue-days = Validity in days (default 825)
arg-xunlian-pki-revoke-ca = The CA directory
arg-xunlian-pki-revoke-cert = The certificate (PEM) to revoke
arg-xunlian-pki-sign-key-out = Where to write the key (PKCS#8 PEM, mode 0600); never replaced
arg-xunlian-pki-sign-key-seal_out = Also make a clue-sealing key and add it to this file (keys already there stay, so older clues still open); its public half goes in the same line
arg-xunlian-pki-sign-key-node = The office the key is for, named in the public line
arg-xunlian-pki-sign-key-config = The office's config file, to take the office id from
arg-xunlian-pki-sign-key-crypto = The network's suite (network init --crypto): standard (default) or sm
arg-xunlian-pki-manifest-ca = The CA directory (from pki init); its ca.key signs
arg-xunlian-pki-manifest-tree = Tree file (TOML), as for network init
arg-xunlian-pki-manifest-keys = The offices' public lines from pki sign-key: a file, or a directory of files (a line without "office" belongs to the office its file is named after, e.g. 630102.json)
arg-xunlian-pki-manifest-version = The manifest's version; higher than any the offices hold
arg-xunlian-pki-manifest-unsigned_before = Unsigned records dated before this time (RFC 3339, or now) pass as legacy; later ones must be signed
arg-xunlian-pki-manifest-out = Where to write the signed manifest (JSON)
arg-xunlian-pki-manifest-crypto = The network's suite: every office's key must be of it; standard (default) or sm
arg-xunlian-submit-config = The node's TOML config file (gives the operator address and token)
arg-xunlian-submit-kind = Record kind: round_plan, finding, clue, rectification, assignment, notice or health
arg-xunlian-submit-file = JSON file holding the body; or an object with "body" and optional "id", "round_id", "classification"; or many of these as a JSON array or JSON lines (bulk submit): bad items are refused by line and the rest stored; an item without an id gets one derived from its content, so running the same file again stores nothing twice. Use - for standard input
arg-xunlian-submit-id = Record id (UUID) of a single submit; resubmitting the same id is idempotent
arg-xunlian-submit-round = The round the record belongs to
arg-xunlian-submit-verbose = Bulk submit: print every stored record as a JSON line, not only the summary
arg-xunlian-query-kind = Only records of this kind
arg-xunlian-query-round = Only records of this round
arg-xunlian-query-origin = Only records written by this office
arg-xunlian-query-since = Only records stored after this change-log seq, or updated since this RFC 3339 time
arg-xunlian-query-after = The next page: records stored after this change-log seq, the one the previous page's last line on stderr names
arg-xunlian-query-limit = At most this many records (one page, default 1000); a line on stderr says when more exist and how to get them
arg-xunlian-quarantine-list-json = Print the entries as JSON for scripts
arg-xunlian-quarantine-retry-ids = Quarantine entry ids (the first column of quarantine list)
arg-xunlian-quarantine-retry-why = Why: logged at the node with the operator; required to discard
arg-xunlian-quarantine-retry-json = Print the node's answer as JSON for scripts
arg-xunlian-quarantine-discard-ids = Quarantine entry ids (the first column of quarantine list)
arg-xunlian-quarantine-discard-why = Why: logged at the node with the operator; required to discard
arg-xunlian-quarantine-discard-json = Print the node's answer as JSON for scripts
arg-xunlian-import-template-kind = Which template: units, findings or progress
arg-xunlian-import-template-out = The file to write: .xlsx or .csv
arg-xunlian-report-coverage-term = The term (届), e.g. 2021-2026; the newest term of the taxonomy by default
arg-xunlian-export-what = What to export: findings (问题清单) or ledger (整改台账)
arg-xunlian-export-out = Write the CSV here instead of standard output
arg-xunlian-assign-cross-config = The coordinating node's TOML config file
arg-xunlian-assign-cross-offices = The offices taking part, comma-separated node ids (at least two)
arg-xunlian-assign-cross-round = The round id the inspecting offices' plans will share
arg-xunlian-assign-cross-avoid_last = No pairing repeated from the last N rounds of cross assignments held here (default 0)
arg-xunlian-assign-cross-different_parent = The inspecting and the inspected office have different parents (异地交叉)
arg-xunlian-assign-cross-allow_mutual = Permit A→B together with B→A in one round
arg-xunlian-assign-cross-seed = Seed of the planner: the same seed gives the same plan (default: from the round id)
arg-xunlian-assign-cross-capacity = An office inspecting or inspected other than once, as OFFICE=INSPECTS/INSPECTED (e.g. 630102=2/1); repeat for more
arg-xunlian-assign-cross-dry_run = Print the plan without issuing it
arg-xunlian-assign-elevated-config = The node's TOML config file of the office taking over
arg-xunlian-assign-elevated-office = The lower office whose units are taken over
arg-xunlian-assign-elevated-units = The units taken over, comma-separated unit ids of that office's register
arg-xunlian-assign-elevated-round = The round id
arg-xunlian-assign-release-config = The coordinating node's TOML config file

## Names of enumerated values (GROUP-CODE)
state-ok = ok
state-lagging = lagging
state-stale = stale
state-down = down
state-never_seen = never seen
level-central = central
level-provincial = provincial
level-municipal = municipal
level-county = county
dir-parent = parent
dir-child = child

## xunlian status
status-node = node { $id } { $name } ({ $level }), xunlian { $version }, generation { $generation }
status-records = records: { $list }
status-none = none
status-quarantined = quarantined: { $n }
status-this-node = this node: { $verdict }
status-problem = problem: { $problem }
status-connected = connected
status-disconnected = disconnected
status-failing = failing since the last success: { $error }
status-ago = { $secs }s ago
status-never = never
status-col-peer = PEER
status-col-dir = DIR
status-col-state = STATE
status-col-backlog = BACKLOG
status-col-lag = LAG(s)
status-col-in = IN
status-col-out = OUT
status-col-notes = NOTES
status-col-office = OFFICE
status-col-health = HEALTH
status-col-last-report = LAST REPORT
status-col-down = DOWN
status-col-name = NAME

## The dashboard (GET /)
dash-meta = xunlian { $version } · generation { $generation } · refreshed { $refreshed } (every { $secs }s)
dash-other-lang = 中文
dash-store = Store
dash-no-records = no records
dash-offices = Offices ({ $n } below this one)
dash-filter = filter: name, code, state…
dash-col-office = office
dash-col-state = state
dash-col-reason = reason
dash-col-since = since
dash-col-last-report = last report
dash-col-backlog = backlog
dash-col-lag = lag (s)
dash-col-links-down = links down
dash-this-office = this office
dash-now = now
dash-unreachable-group = { $n } offices unreachable via { $id }
dash-unreachable-via = unreachable via { $via }
dash-since = since { $t }
dash-links = Links
dash-col-peer = peer
dash-col-direction = direction
dash-col-last-seen = last seen
dash-col-in = in
dash-col-out = out
dash-col-refusals = refusals
dash-col-notes = notes
dash-failing = failing since the last success ({ $ago }): { $cause }
dash-certificates = Certificates
dash-col-holder = holder
dash-col-expires = expires
dash-expired = expired
dash-expires-in = expires in { $days } days: renew it
dash-rounds = Current rounds
dash-col-title = title
dash-col-kind = kind
dash-col-term-round = term / round
dash-col-dates = dates
dash-quarantine = Quarantine (latest { $n })
dash-col-id = id
dash-col-when = when
dash-col-from = from
dash-col-record = record
dash-col-code = refused as
dash-local = local
dash-sign-in-title = sign in
dash-token-label = operator token
dash-wrong-token = The token was wrong.
dash-sign-in = Sign in

## Rectification states and supervision grades (exports, ledger)
rect-state-awaiting_plan = awaiting plan
rect-state-planned = planned
rect-state-in_progress = in progress
rect-state-completed = completed
rect-state-reopened = reopened
rect-state-verified = verified (signed off)
grade-none = none
grade-green = green
grade-yellow = yellow
grade-red = red

## xunlian assign cross
plan-title = Cross inspection (交叉巡察) of round { $round } (seed { $seed })
plan-avoided = no pairing repeated from { $rounds }
plan-col-inspecting = inspecting
plan-col-inspected = inspected
plan-issued = issued as assignment { $id }; it reaches every office it names, and each inspecting office plans round { $round } with "assignment_id": "{ $id }"
plan-dry-run = dry run: nothing issued

## Command-line messages
msg-error = error: { $error }

## xunlian report ledger
ledger-col-state = state
ledger-col-grade = grade
ledger-col-due = due
ledger-col-attempt = attempt
ledger-col-host = host
ledger-col-round = round
ledger-col-title = title

## Adding, moving and merging offices, backups, upgrades, workbench accounts

cmd-xunlian-network-add-office = Add an office to a running network: certificate, keys, token, config and the next tree manifest, no restarts
cmd-xunlian-network-move-office = Move an office under another parent: the next tree manifest, and its config points at the new parent (restart the moved office)
cmd-xunlian-network-merge-office = Merge an office into its successor (or renumber it): the successor may update and close its records; the old certificate is revoked
cmd-xunlian-backup = Copy a running node's SQLite store (PostgreSQL: pg_dump)
cmd-xunlian-restore = Put a backup back in place of a stopped node's store; the office then takes back from its parent what it sent up since
cmd-xunlian-user = Workbench accounts: add, change password, disable
cmd-xunlian-user-add = Add a workbench account; the password is read from standard input
cmd-xunlian-user-passwd = Set a new password (read from standard input) and enable the account again
cmd-xunlian-user-disable = Disable an account; its sessions end at once
cmd-xunlian-audit = The workbench's audit of writes: who, when, which record, from which address
cmd-xunlian-migrate = Before an upgrade: what pending store migrations do, and whether the previous release can still read the store
ex-xunlian-network-add-office = {"  "}xunlian network add-office --dir net --id 630104 --name "Chengxi district" --level county --parent 630100
ex-xunlian-network-move-office = {"  "}xunlian network move-office --dir net --id 630202 --parent 630100
ex-xunlian-network-merge-office = {"  "}xunlian network merge-office --dir net --from 630103 --into 630102
ex-xunlian-backup = {"  "}xunlian backup --config county.toml --out /backup/630102-2026-12-07.db
ex-xunlian-restore = {"  "}xunlian restore --config county.toml --from /backup/630102-2026-12-07.db
ex-xunlian-user = {"  "}echo 'at least eight characters' | xunlian user add --config county.toml zhangsan --role clerk
ex-xunlian-user-add = {"  "}echo 'at least eight characters' | xunlian user add --config county.toml zhangsan --role clerk
ex-xunlian-user-passwd = {"  "}xunlian user passwd --config county.toml zhangsan < new-password.txt
ex-xunlian-user-disable = {"  "}xunlian user disable --config county.toml zhangsan
ex-xunlian-audit = {"  "}xunlian audit --config county.toml --user zhangsan --limit 20
ex-xunlian-migrate = {"  "}xunlian migrate --check --config county.toml
arg-xunlian-network-add-office-dir = The network's directory (network init --dir), with ca/
arg-xunlian-network-add-office-id = The new office's id (its administrative code)
arg-xunlian-network-add-office-name = Its name
arg-xunlian-network-add-office-level = Its level: provincial, municipal or county
arg-xunlian-network-add-office-parent = The office it reports to
arg-xunlian-network-add-office-ports = On a loopback network: the ports to take from, as LOW-HIGH (ports of the network's offices are never taken)
arg-xunlian-network-move-office-dir = The network's directory (network init --dir), with ca/
arg-xunlian-network-move-office-id = The office to move
arg-xunlian-network-move-office-parent = Its new parent
arg-xunlian-network-merge-office-dir = The network's directory (network init --dir), with ca/
arg-xunlian-network-merge-office-from = The office that ends (its records stay and are taken over)
arg-xunlian-network-merge-office-into = Its successor
arg-xunlian-backup-out = The copy to write (a new file)
arg-xunlian-restore-from = The copy xunlian backup wrote (SQLite); omit it for a PostgreSQL store already put back with pg_restore
arg-xunlian-user-add-name = The account's name
arg-xunlian-user-add-role = Role: 录入 (clerk), 审核 (reviewer) or 运维 (operator)
arg-xunlian-user-passwd-name = The account's name
arg-xunlian-user-disable-name = The account's name
arg-xunlian-audit-user = Only this person's writes
arg-xunlian-audit-limit = At most this many entries, newest first (default 100)
arg-xunlian-migrate-check = Only report, migrate nothing (the daemon migrates on start)
cmd-xunlian-bundle = Offline bundles: export, import (for an office whose link never connects)
cmd-xunlian-bundle-export = Write what the link to the parent (or to --for CHILD) would carry, signed, to a file
cmd-xunlian-bundle-import = Admit a bundle with exactly the checks of a push or pull; a tampered bundle is refused whole
ex-xunlian-bundle = {"  "}xunlian bundle export --config county.toml --out 630102-up.json
ex-xunlian-bundle-export =
    {"  "}xunlian bundle export --config county.toml --out 630102-up.json
    {"  "}xunlian bundle export --config city.toml --for 630102 --out 630102-down.json
ex-xunlian-bundle-import = {"  "}xunlian bundle import --config city.toml 630102-up.json
arg-xunlian-bundle-export-out = Where to write the bundle (a JSON file)
arg-xunlian-bundle-export-peer = The neighbour it is for (default: the parent; a parent names the child)
arg-xunlian-bundle-export-all = Everything the neighbour has not confirmed, not only what earlier bundles did not carry
arg-xunlian-bundle-import-file = The bundle file

## xunlian report coverage, stats, assignments

report-coverage-title = Coverage (全覆盖) of term { $term }
report-stats-title = Statistics (subtree figures)
report-stats-round-title = Statistics of round { $round } (subtree figures)
report-stats-per-round = Rectification rate per round (this office and its subtree):
report-stats-round-rate = { $round }: { $verified }/{ $all } verified, { $rate }
report-col-subtree = subtree
report-col-own = own
report-col-office = office
report-col-rounds = rounds
report-col-units = units
report-col-villages = villages
report-col-findings = findings
report-col-clues = clues
report-col-disposed = disposed
report-col-rectified = rectified
report-col-type = type
report-col-by = by
report-col-of = of
report-col-status = status
report-col-feedback = feedback
report-col-released = released
report-col-verified = verified
report-col-round = round
assignment-kind-cross = cross
assignment-kind-elevated = elevated
assignment-status-planned = planned
assignment-status-on_site = on site
assignment-status-fed_back = fed back
assignment-status-rectifying = rectifying
assignment-status-closed = closed

## Rule refusals (daemon/workflow/rules, taxonomy, rectify): the field path is given apart, not in the sentence
refuse-body-unreadable = the {$kind} body cannot be read: {$detail}
refuse-clue-tally-derived = clue_tally records are written by the daemon when a clue is transferred or disposed; submit the clue
refuse-derived-id = the id of this {$kind} record is derived ({$id}); leave "id" out
submit-recovering = recovering this office's records from its parent after a restore; writes resume once the parent answers
refuse-finding-copy-derived = copies of common issues and of released cross findings are written by the daemon; leave these out
refuse-finding-two-rounds = round_id {$round} and body.round_id {$body_round} differ; a finding belongs to one round
refuse-finding-no-round = a finding needs its round: set "round_id" to the round plan's round_id
refuse-finding-no-plan = round {$round} has no plan of {$office} held here; submit the round plan first
refuse-finding-no-team = round {$round} has no team {$team}
refuse-finding-not-a-target = unit {$unit} is not a target of round {$round}
refuse-finding-coordinator = {$given} is not the coordinator of a cross inspection of this finding's unit; the daemon fills it in from the round's assignment: leave it out
refuse-finding-unknown = no finding {$finding} is held here
refuse-term-unknown = term "{$term}" has no taxonomy; defined terms: {$defined}
refuse-category-unknown = category "{$category}" is not in the {$term} taxonomy for {$level} offices; allowed: {$allowed}
refuse-tag-unknown = tag "{$tag}" is not in the {$term} taxonomy; allowed: {$allowed}
refuse-plan-no-round = a round_plan needs "round_id": the round's id, shared by its findings (e.g. 630202-2024-2)
refuse-plan-dates-order = {$date} is before {$earlier} {$earlier_date}; dates run start ≤ entry ≤ feedback ≤ end
refuse-plan-team-twice = team {$team} is listed twice
refuse-plan-exists = round {$round} already has plan {$plan}; submit with "id": "{$plan}" to change it
refuse-plan-no-assignment = no assignment {$assignment} issued by {$office} or an office above it is held here
refuse-plan-target-team = no team {$team} in body.teams
refuse-plan-target-elevated = unit {$unit} of {$host} is taken over by {$taking_over} for round {$round} (elevated inspection, assignment {$assignment}); plans of {$office} may not target it in that round
refuse-plan-no-register = office {$office} has no unit register yet; import it with `xunlian units import --config FILE UNITS.csv`
refuse-plan-unit-unregistered = unit {$unit} is not in the register of {$office}; add it with `xunlian units import`
refuse-plan-two-assignments = unit {$unit} of {$host} falls under assignment {$assignment}, the other targets under {$other}; a round plan follows one assignment (plan another round)
refuse-plan-unit-elsewhere = unit {$unit} belongs to office {$host}; only a cross or elevated assignment for this round lets {$office} inspect it, and none held here does
refuse-plan-follow-up-of = a follow-up round names the earlier round it re-checks
refuse-plan-no-earlier-round = no round {$round} of {$office} is held here
refuse-plan-recheck = {$finding} is not a finding of round {$round} of {$office}
refuse-office-id = "{$id}" is not an office id (letters, digits, - and _ only)
refuse-assignment-not-below = office {$office} is not below {$me}; only a common superior of every office an assignment names may issue it (issue it from an office above them all, or wait until {$office} has connected and announced itself)
refuse-assignment-coordinator = {$coordinator} is not this office ({$office}); an assignment is issued by its coordinating office
refuse-assignment-no-round = an assignment is for one round; name the round_id its plans will share
refuse-assignment-cross-elevated = a cross assignment has pairs only; issue the elevated one on its own
refuse-assignment-elevated-pairs = an elevated assignment has no pairs; issue the cross one on its own
refuse-assignment-self = office {$office} would inspect itself
refuse-assignment-cross-above = {$upper} is above {$lower}; a higher office inspects units below it by an elevated assignment, not a cross one
refuse-assignment-pair-twice = {$by} → {$of} is listed twice
refuse-assignment-elevated-not-above = {$taking_over} is not above {$office}; in an elevated inspection a higher office takes over units of a lower one
refuse-assignment-elevated-units = name the units taken over
refuse-assignment-no-register = no unit register of {$office} is held here to check the units against; {$office} imports it with `xunlian units import` and it climbs to every office above
refuse-assignment-unit-unregistered = unit {$unit} is not in the register of {$office}
refuse-clue-unknown = no clue {$clue} is held here
refuse-clue-disposal-level = clue {$clue} was transferred to the {$managing} level; only the office there reports its disposal, and {$office} is a {$level} office
refuse-clue-managing-level = body.managing_level is required
refuse-clue-level-below = a {$level} office transfers clues to its own level or above, not to {$managing}
refuse-clue-through-host = the clue would pass through office {$host}, which hosts the inspected unit; a clue never reaches the host (transfer it above {$host} or to this level)
refuse-clue-cross-coordinator = finding {$finding} is of a cross inspection coordinated by {$coordinator}; its clues go to {$coordinator}, which transfers them on: set managing_level to {$level} or above
refuse-rectification-no-finding = body.finding_id is required
refuse-rectification-cross = {$finding} is a cross-inspection finding; its host rectifies the copy {$copy} that coordinator {$coordinator} releases to it at the feedback date, and {$coordinator} signs it off
refuse-rectification-status = unknown status "{$status}"
refuse-rectification-common-host = name the office whose rectification of this common issue this is
refuse-rectification-host = the host office of finding {$finding} is {$host}
refuse-rectification-inspecting = finding {$finding} was written by {$origin}, the office that inspects and signs off
refuse-register-office = {$office} may only write its own register, not that of {$other}
refuse-register-unit-twice = unit {$unit} is listed twice
refuse-release-not-coordinator = finding {$finding} is not a cross-inspection finding coordinated by {$office}; only its coordinator releases it
refuse-release-no-feedback = the plan of round {$round} of {$office} held here has no feedback date; a cross finding is released at the feedback
refuse-release-early = not before the feedback date {$date} of round {$round}; the inspected office learns nothing of the findings before it
refuse-release-not-redaction = a released copy is exactly the redacted original; `xunlian assign release` writes it
refuse-rectify-closed-is-final = the rectification of finding {$finding} by {$host} was verified and is closed; nobody may change it
refuse-rectify-inspector-signs-off = only the inspecting office {$inspecting} may verify or reopen; {$writer} may not (the host office reports in_progress and completed)
refuse-rectify-verdict-after-completed = {$inspecting} may verify or reopen only after the host office {$host} reports completed; the rectification is {$state}
refuse-rectify-host-reports-progress = only the host office {$host} reports planned, in_progress and completed; {$writer} may not (the inspecting office {$inspecting} verifies or reopens)
refuse-rectify-completed-awaits-verdict = the host reported completed; it awaits the verdict of {$inspecting}, and {$host} may resume only after it is reopened
refuse-rectify-evidence-for-completed = completed needs evidence of what was done: fill body.evidence
refuse-cross-no-round = name the round_id the plans will share
refuse-cross-two-offices = a cross inspection needs at least two offices
refuse-cross-office-twice = {$office} is listed twice
refuse-cross-capacity = {$office} is not one of the offices
refuse-cross-round-taken = round {$round} already has cross assignment {$assignment} issued here; plan another round (a dry run shows a plan without issuing it)
refuse-cross-unplannable = no cross plan: {$detail}
node-refused = node refused the request (HTTP {$status}): {$reason}
node-refused-no-reason = no reason given
node-unreachable = is the node running? cannot reach its operator API at {$address}

## The quarantine (xunlian quarantine) and the names of peer refusal reasons (codes in daemon/engine/reason.rs)
quarantine-empty = The quarantine is empty.
quarantine-col-id = ID
quarantine-col-at = WHEN
quarantine-col-peer = FROM
quarantine-col-record = RECORD
quarantine-col-kind = KIND
quarantine-col-code = REFUSED AS
quarantine-col-reason = DETAIL
quarantine-retried = {$admitted} admitted again.
quarantine-retried-some-refused = {$admitted} admitted again, {$refused} still refused:
quarantine-still-refused = {"  "}#{$id} record {$record}: {$why} — {$reason}
quarantine-why-required = say why with --why TEXT to discard
quarantine-discarded = {$n} discarded.
quarantine-unchanged = the quarantine is unchanged
reason-protocol = protocol mismatch
reason-not_a_child = not a child
reason-identity = identity mismatch
reason-malformed = malformed
reason-too_large = too large
reason-topology_stale = subtree out of date
reason-shutdown = shutting down
reason-full = store full
reason-store = store failure
reason-schema = breaks its schema
reason-fingerprint = not what was declared
reason-future = dated in the future
reason-not_allowed = not allowed
reason-tree = contradicts the tree
reason-signature = bad signature
reason-unknown = unknown
record-round_plan = round plan
record-finding = finding
record-clue = clue
record-rectification = rectification
record-assignment = assignment
record-notice = notice
record-health = health
record-unit_register = unit register
record-clue_tally = clue tally
plan-kind-regular = regular
plan-kind-special = special
plan-kind-mobile = mobile
plan-kind-follow_up = follow-up
plan-kind-elevated = elevated
plan-kind-cross = cross
plan-kind-linked = linked

## Command-line parse errors (clap, by ErrorKind; daemon/cli/parse_error.rs)
lang-unknown = use zh or en
clap-value-missing = a value is required for '{$arg}' but none was supplied
clap-invalid-value = invalid value '{$value}' for '{$arg}'
clap-value-validation = invalid value '{$value}' for '{$arg}': {$detail}
clap-unknown-argument = unexpected argument '{$arg}' found
clap-unknown-subcommand = unrecognized subcommand '{$name}'
clap-no-equals = equal sign is needed when assigning values to '{$arg}' ({$arg}=VALUE)
clap-too-many-values = unexpected value '{$value}' for '{$arg}' found; no more were expected
clap-too-few-values = {$min} values required by '{$arg}'; only {$actual} provided
clap-wrong-number-of-values = {$expected} values required for '{$arg}' but {$actual} provided
clap-argument-conflict = the argument '{$arg}' cannot be used with {$other}
clap-argument-repeated = the argument '{$arg}' cannot be used multiple times
clap-missing-required = the following required arguments were not provided: {$args}
clap-missing-subcommand = '{$name}' requires a subcommand but one was not provided
clap-invalid-utf8 = an argument is not valid UTF-8
clap-other = the command line is wrong ({$detail})
clap-possible-values = possible values: {$values}
clap-possible-subcommands = subcommands: {$names}
clap-did-you-mean = tip: a similar one exists: '{$suggestion}'
clap-try-help = For more information, try '--help'.

## Submit, query and import (daemon/cli/client.rs, import.rs)
submit-not-json = {$file}: {$n} lines are not JSON; nothing was submitted:
    {$lines}
submit-not-object = {$file}: {$place} must be a JSON object
submit-repeat = {$file}: {$place} is the same as {$earlier}; stored once
submit-summary = {$file}: stored {$new}, unchanged {$unchanged}, refused {$refused}
submit-line = line {$n}
submit-entry = entry {$n}
submit-progress = {"{"}bar:40{"}"} {"{"}pos{"}"}/{"{"}len{"}"} records submitted ({"{"}per_sec{"}"}, {"{"}eta{"}"} left)
query-more = more records: add --after {$last} for the next page
import-template-written = template written to {$file}
import-too-many-units = {$file}: the register would hold {$n} units; at most {$max}
import-register-summary = {$office} {$name}: {$total} units in the register; {$rows} imported, {$added} new
import-too-many-rows = {$file}: {$n} rows; at most {$max} per import: split the file
import-check-failed = {$file}: checking the rows failed
import-write-failed = {$file}: writing failed; nothing was written
import-summary = {$file}: imported {$rows} rows: {$new} new or changed, {$unchanged} unchanged
import-refused = {$file}: {$n} problems; nothing was imported
refuse-level-unknown = "{$given}" is not a level: central, provincial, municipal or county
refuse-clue-routing = the cadre is managed at the {$managing} level, but this node's routing.clue stops clues at {$cap}; raise routing.clue in the config
refuse-kind-changed = record {$id} is a {$held}, not a {$kind}
submit-not-owner = record {$id} belongs to {$origin}; only its origin may change it
submit-conflict = record {$id} changed concurrently; submit again

## Backups, restores and offline bundles (daemon/cli/backup.rs, bundle.rs)
backup-postgres = a PostgreSQL store is backed up with pg_dump -Fc (see docs/operations.md)
backup-done = backed up the store of {$office} to {$file} ({$bytes} bytes)
restore-running = node {$office} still runs (its operator API answers on {$address}); stop it first
restore-needs-from = a SQLite store needs --from FILE
restore-postgres = restore a PostgreSQL store with pg_restore, then run this without --from
restore-done = restored the store of {$office}; new generation {$generation}
restore-recovers = on start it first takes back from its parent the records it sent up since the backup; writes wait for that
bundle-exported = exported {$n} records for {$to}: {$file}
bundle-imported = {$file}: from {$from}: stored {$stored}, unchanged {$unchanged}, refused {$refused}

## Store migration check (xunlian migrate --check)
migrate-check-only = only --check: the daemon migrates on start
migrate-col-migration = MIGRATION
migrate-col-state = STATE
migrate-col-previous-reads = PREVIOUS RELEASE READS
migrate-col-what = WHAT
migrate-applied = applied
migrate-pending = pending
migrate-yes = yes
migrate-no = no
migrate-none-pending = no pending migration: the previous release still reads this store
migrate-pending-readable = {$n} pending; the previous release still reads the store afterwards
migrate-pending-unreadable = {$n} pending; after the upgrade the previous release cannot read this store, and going back needs the backup from before: run xunlian backup first

## Networks and offices (xunlian network)
network-moved = moved {$office} under {$parent}; tree manifest version {$version} written to {$n} office directories
network-moved-restart = restart {$office} to connect to its new parent: xunlian daemon --config {$config}
network-merged = {$office} is taken over by {$into}; tree manifest version {$version} written to {$n} office directories; the certificate of {$office} (serial {$serial}) is revoked
network-merged-stop = stop the daemon of {$office}.
network-written = wrote a network of {$n} nodes under {$dir}:
network-start-each = start each with: xunlian daemon --config DIR/<id>/config.toml
network-added = added office {$office} ({$name}) under {$parent}; tree manifest version {$version} written to {$n} office directories
network-added-start = start it: xunlian daemon --config {$config}

## Certificates and keys (xunlian pki)
pki-ca-written = CA written to {$dir} (ca.pem, ca.key, crl.pem)
pki-issued = issued {$cert} for node {$node} (serial {$serial}, valid until {$until})
pki-revoked = revoked serial {$serial} ({$cert}); CRL rewritten at {$crl} — nodes re-read it without restart
pki-seal-key-written = {" "}and sealing key {$key_id} into {$file}
pki-sign-key-written = wrote {$file}{$seal} (mode 0600, keep them here); send the line above to the CA, and confirm key_id {$key_id} with it by another channel
pki-manifest-legacy = , unsigned records before {$before} pass as legacy
pki-manifest-signed = signed version {$version} of the tree manifest ({$n} offices{$legacy}) into {$file}; give it to every office as its trust.manifest
assign-empty-unit = --units: an empty unit id; list unit ids separated by commas
assign-elevated-issued = issued elevated assignment {$assignment}: {$me} takes over {$units} of {$office} in round {$round}; {$office} is told, and its own plans may not target them in that round
