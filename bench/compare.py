#!/usr/bin/env python3
"""Prints xunlian's benchmark figures beside the PostgreSQL peer's, with the
ratio per figure and the distance from each target, and writes the table
as JSON. Usage: bench/compare.py RESULTS_DIR"""
import json
import os
import sys

d = sys.argv[1] if len(sys.argv) > 1 else "bench/results"


def load(name):
    p = os.path.join(d, name)
    return json.load(open(p)) if os.path.exists(p) else {}


def get(obj, *path):
    for k in path:
        if isinstance(obj, dict) and k in obj:
            obj = obj[k]
        else:
            return None
    return obj


xs, xp = load("xunlian-sqlite.json"), load("xunlian-postgresql.json")
children = load("children-sqlite.json")
# The children figure comes from its own run (bench/children.rs); fold it
# into the SQLite column. The peer has no equivalent: its cell shows "—".
if children:
    xs = dict(xs, children=children)
peer, tuned = load("pg_cascade.json"), load("pg_cascade_sync.json")


def catchup(r):
    c = get(r, "catchup") or {}
    vals = [get(v, "visible_s_from_municipal_start", "central") for v in c.values()]
    vals = [v for v in vals if v is not None]
    return min(vals) if vals else None


def idle_pss_mib(r):
    pss = get(r, "idle", "mem", "total", "pss_kib")
    return pss / 1024 / 4 if pss else None


# name, unit, xunlian getter, peer getter (None: the peer has no such
# figure, shown as "—"), target, lower-is-better
rows = [
    ("bulk 100k to central", "s", lambda r: get(r, "bulk", "central_s"),
     lambda r: get(r, "bulk", "visible_s_from_insert_start", "central"), ("<=", 2.0), True),
    ("latency p50", "ms", lambda r: get(r, "latency_ms", "p50"),
     lambda r: get(r, "latency", "central", "from_insert_ms", "p50"), ("<", 5.0), True),
    # The peer reports p95, not p99: each is compared like for like, and
    # p99 only with its target.
    ("latency p95", "ms", lambda r: get(r, "latency_ms", "p95"),
     lambda r: get(r, "latency", "central", "from_insert_ms", "p95"), None, True),
    ("latency p99", "ms", lambda r: get(r, "latency_ms", "p99"), None, ("<", 25.0), True),
    ("latency max", "ms", lambda r: get(r, "latency_ms", "max"),
     lambda r: get(r, "latency", "central", "from_insert_ms", "max"), None, True),
    ("catch-up 100k", "s", lambda r: get(r, "catchup", "central_s_from_municipal_start"), catchup, ("<", 2.0), True),
    ("fan-in 8x20k", "s", lambda r: get(r, "fanin", "central_s"),
     lambda r: get(r, "fanin", "visible_s_from_insert_start", "central"), ("<", 2.5), True),
    # Label: connected of simulated children (a partial ramp is not the figure).
    (f"parent RSS, {get(children, 'ramp', 'connected')}/{get(children, 'knobs', 'children')} children", "MiB",
     lambda r: (get(r, "children", "parent_rss_max_kib") or 0) / 1024 or None, None, ("<", 256.0), True),
    ("idle memory per instance", "MiB", lambda r: (get(r, "footprint", "county_idle_rss_kib") or 0) / 1024 or None,
     idle_pss_mib, ("<", 20.0), True),
]


def fmt(v):
    return "n/a" if v is None else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")


def ratio(ours, theirs):
    # > 1: xunlian is better (faster / smaller) by that factor.
    return None if not ours or not theirs else theirs / ours


header = f"{'figure':<38} {'xunlian sqlite':>14} {'xunlian pg':>11} {'peer':>9} {'peer tuned':>10} {'vs peer':>8} {'vs tuned':>9}  target"
print(header)
print("-" * len(header))
table = []
for name, unit, ours, theirs, target, _ in rows:
    a, b = ours(xs), ours(xp)
    p, t = (theirs(peer), theirs(tuned)) if theirs else (None, None)
    cell = fmt if theirs else (lambda v: "—")
    # The worse of the two backends: a target is met only when both meet it.
    worst = max(v for v in (a, b) if v is not None) if (a or b) else None
    tgt = ""
    if target and worst is not None:
        op, val = target
        ok = worst <= val if op == "<=" else worst < val
        tgt = f"{op} {val} {unit}: {'met' if ok else f'{worst / val:.1f}x off'}"
    r1, r2 = ratio(worst, p), ratio(worst, t)
    na = "n/a" if theirs else "—"
    print(f"{name + ' (' + unit + ')':<38} {fmt(a):>14} {fmt(b):>11} {cell(p):>9} {cell(t):>10} "
          f"{(fmt(r1) + 'x') if r1 else na:>8} {(fmt(r2) + 'x') if r2 else na:>9}  {tgt}")
    table.append({"figure": name, "unit": unit, "xunlian_sqlite": a, "xunlian_postgresql": b,
                  "peer": p, "peer_tuned": t, "ratio_vs_peer": r1, "ratio_vs_tuned": r2, "target": tgt})
print("\nratio > 1: xunlian is better by that factor (time or memory); ratios and targets take the worse of "
      "xunlian's two backends; peer tuned = synchronous_commit on the subscriptions")
json.dump(table, open(os.path.join(d, "comparison.json"), "w"), indent=2)
