#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a developer's: installs what
# the tests need, then runs every test with cargo-nextest (cargo test if
# nextest is missing). This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-nextest >/dev/null 2>&1 && ! cargo nextest --version >/dev/null 2>&1; then
  echo "cargo-nextest not found; falling back to cargo test" >&2
  exec cargo test --all-targets
fi
exec cargo nextest run --all-targets --no-fail-fast
