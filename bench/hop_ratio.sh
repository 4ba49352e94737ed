#!/usr/bin/env bash
# What signatures add to one hop's CPU: bench/hop.rs run one way at a time,
# each run in a process and a store of its own (so the WAL checkpoints a
# way's bytes cause are its own), the ways alternating RUNS times (so a
# change in the machine's load falls on all of them alike); prints every
# run's total and each way's median, CPU µs a record, and the medians'
# ratio, signed against unsigned. The method of bench/RESULTS.md's
# 2026-12-07 20:30 entry.
#
#   bench/hop_ratio.sh BINARY [RUNS]     (RUNS: 10)
#
# BINARY is the hop bench in the release profile, as `cargo bench` builds
# it: `cargo bench --bench hop --no-run` names it
# (target/release/deps/hop-*).
set -euo pipefail
bin=${1:?usage: $0 BINARY [RUNS]}
runs=${2:-10}
ways=(unsigned unchecked signed)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for ((i = 1; i <= runs; i++)); do
	for way in "${ways[@]}"; do
		# The way's column of the `total` line (the others print 0.00).
		XUNLIAN_HOP_WAY=$way XUNLIAN_HOP_ROUNDS=${XUNLIAN_HOP_ROUNDS:-3} "$bin" --bench |
			awk '$1 == "total" {for (c = 2; c <= 4; c++) if ($c > 0) print $c}' >>"$out/$way"
	done
	printf 'run %2d:' "$i"
	for way in "${ways[@]}"; do printf ' %s %s' "$way" "$(tail -1 "$out/$way")"; done
	echo
done

median() { sort -n "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for way in "${ways[@]}"; do
	printf 'median %-9s %6.2f µs a record\n' "$way" "$(median "$out/$way")"
done
awk -v s="$(median "$out/signed")" -v u="$(median "$out/unsigned")" \
	'BEGIN {printf "signatures on: the hop %+.1f %% (median signed against median unsigned)\n", (s / u - 1) * 100}'
