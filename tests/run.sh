#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a developer's. Installs what
# the tests need and is missing (Debian's Chromium and a CJK font for the
# dashboard test, Debian's prometheus for promtool, which checks
# config/alerts.yml), starts a throwaway PostgreSQL from the installed binaries,
# checks formatting and lints (clippy on every target, warnings fail),
# then runs every test three times with cargo-nextest: all stores on SQLite,
# with the provincial and central stores on PostgreSQL, and on SQLite with
# records signed in the Chinese suite (SM2/SM3). This is the README's test
# command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-zenhei)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} for the dashboard and alert-rules tests" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

pg=$(tests/postgres.sh)
pg_url=$(echo "$pg" | sed -n 1p)
pg_dir=$(echo "$pg" | sed -n 2p)
trap 'tests/postgres.sh stop "$pg_dir"' EXIT
echo "throwaway PostgreSQL at $pg_url" >&2

echo "== format and lints ==" >&2
cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings

if cargo nextest --version >/dev/null 2>&1; then
  run=(cargo nextest run --lib --bins --tests --no-fail-fast)
else
  echo "cargo-nextest not found; running cargo test" >&2
  run=(cargo test --lib --bins --tests --no-fail-fast)
fi
echo "== all stores on SQLite ==" >&2
"${run[@]}"
echo "== provincial and central stores on PostgreSQL ==" >&2
XUNLIAN_TEST_STORE=postgres XUNLIAN_TEST_PG="$pg_url" "${run[@]}"
echo "== all stores on SQLite, records signed with SM2/SM3 (--crypto sm) ==" >&2
XUNLIAN_TEST_CRYPTO=sm "${run[@]}"
