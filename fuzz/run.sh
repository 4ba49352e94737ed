#!/usr/bin/env bash
# A short fuzzing run of the peer push decoding and record validation path.
# Usage: fuzz/run.sh [SECONDS]   (default 60)
# Installs cargo-fuzz if missing. libFuzzer needs nightly-only compiler
# flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain use them.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run peer_push corpus/peer_push -- -max_total_time="$secs" -max_len=65536
