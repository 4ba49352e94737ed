#!/usr/bin/env bash
# Instruction counts of one hop under callgrind, per record and way: the
# method of bench/RESULTS.md's 2026-12-07 entries. A way's hop = the run's
# total instructions, less the county's work (`findings`, `sign`,
# `push_bodies`, inclusive), less a run with N_HOP=0 (start, keys, store),
# divided by N_HOP.
#
#   bench/hop_callgrind.sh BINARY [WAY…]
#
# BINARY is the hop bench built in the dev profile with the crate at
# opt-level 2, as the entries measured it:
#   CARGO_PROFILE_DEV_OPT_LEVEL=2 CARGO_TARGET_DIR=target-bench \
#     cargo build --profile dev --bench hop
# (the binary: target-bench/debug/deps/hop-*, not the .d file).
# WAYs: unsigned, unchecked, signed (default: all three). The callgrind
# files stay in $OUT (default: a temp dir) for callgrind_annotate.
set -euo pipefail
bin=${1:?usage: $0 BINARY [WAY...]}
shift
ways=("${@:-unsigned}")
[ $# -eq 0 ] && ways=(unsigned unchecked signed)
n=${N_HOP:-5000}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

# Total instructions of a callgrind file.
total() { awk '/^totals:/ {print $2}' "$1"; }
# Inclusive instructions of the bench's function NAME (`hop.rs:hop::NAME`).
inclusive() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk -v f="hop.rs:hop::$2 [[]" '$0 ~ f {gsub(",", "", $1); print $1; exit}' || true
}
run() { # WAY N FILE
	XUNLIAN_HOP_WAY=$1 XUNLIAN_HOP_ROUNDS=1 N_HOP=$2 \
		valgrind --tool=callgrind --callgrind-out-file="$3" "$bin" >/dev/null 2>&1
}

# The runs are independent (a store each) and counted, not timed: all at once.
run unsigned 0 "$out/base.cg" &
for way in "${ways[@]}"; do run "$way" "$n" "$out/$way.cg" & done
wait
base=$(total "$out/base.cg")
echo "base (N_HOP=0): $base instructions; files in $out"
for way in "${ways[@]}"; do
	f="$out/$way.cg"
	t=$(total "$f")
	county=0
	for fn in findings sign push_bodies; do
		c=$(inclusive "$f" "$fn")
		county=$((county + ${c:-0}))
	done
	echo "$way: total $t, county $county, hop $(((t - county - base) / n)) a record"
done
