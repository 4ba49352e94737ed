#!/usr/bin/env bash
# The benchmark, side by side with its peer, in one command:
#   1. xunlian's network benchmark (bench/network.rs, release build) with
#      every store on SQLite, then with the provincial and central stores on
#      a throwaway PostgreSQL;
#   2. the peer: the same four-level cascade built from PostgreSQL logical
#      replication over TLS (bench/peers/pg_cascade.sh), with its defaults
#      and with synchronous_commit on the subscriptions;
#   3. the children benchmark (bench/children.rs): N_CHILDREN (3000)
#      simulated counties on one municipality, its RSS and CPU (SQLite);
#   4. a table with each figure, the ratio to the peer, and the distance
#      from the target (bench/compare.py), also as bench/results/comparison.json.
# Sizes follow the peer (N_BULK, N_LAT, N_CATCHUP, FANIN_COUNTIES, N_FANIN);
# XUNLIAN_BENCH_BODY=1k uses ~1 KiB findings instead of ~300 bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
export N_BULK=${N_BULK:-100000} N_LAT=${N_LAT:-500} N_CATCHUP=${N_CATCHUP:-100000}
export FANIN_COUNTIES=${FANIN_COUNTIES:-8} N_FANIN=${N_FANIN:-20000}

pg=$(tests/postgres.sh)
pg_url=$(echo "$pg" | sed -n 1p)
pg_dir=$(echo "$pg" | sed -n 2p)
trap 'tests/postgres.sh stop "$pg_dir"' EXIT

echo "== xunlian, all stores on SQLite ==" >&2
XUNLIAN_BENCH_OUT=bench/results/xunlian-sqlite.json cargo bench --bench network
echo "== xunlian, provincial and central stores on PostgreSQL ==" >&2
XUNLIAN_TEST_STORE=postgres XUNLIAN_TEST_PG="$pg_url" XUNLIAN_BENCH_OUT=bench/results/xunlian-postgresql.json \
  cargo bench --bench network

echo "== xunlian, ${N_CHILDREN:-3000} simulated counties on one municipality (SQLite) ==" >&2
XUNLIAN_BENCH_OUT=bench/results/children-sqlite.json cargo bench --bench children

if [ "${SKIP_PEER:-0}" != 1 ]; then
  echo "== peer: PostgreSQL logical replication cascade, defaults ==" >&2
  N_LAT=200 PGC_OUT="$PWD/bench/results/pg_cascade.json" bench/peers/pg_cascade.sh
  echo "== peer: synchronous_commit = on on the subscriptions ==" >&2
  N_LAT=200 SUB_WITH="synchronous_commit = on" PGC_OUT="$PWD/bench/results/pg_cascade_sync.json" bench/peers/pg_cascade.sh
fi
python3 bench/compare.py bench/results
