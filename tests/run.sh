#!/usr/bin/env bash
# The whole test suite, on a fresh machine or a developer's. Installs what
# the tests need and is missing (Debian's Chromium and a CJK font for the
# dashboard test), then runs every test with cargo-nextest (cargo test when
# nextest is absent). This is the README's test command; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} for the dashboard test" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if cargo nextest --version >/dev/null 2>&1; then
  exec cargo nextest run --all-targets --no-fail-fast
fi
echo "cargo-nextest not found; running cargo test" >&2
exec cargo test --all-targets --no-fail-fast
