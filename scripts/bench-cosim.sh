#!/usr/bin/env bash
# Benchmark of `rtlsmith cosim` on the bundled counter and its fixture model: the Verilator
# harness build cold and cached (target: a rerun with a new seed costs no rebuild), and the
# simulated cycles per second on Verilator (target: at least 1 million for a small design) and
# on Icarus.
# Usage: scripts/bench-cosim.sh [VERILATOR_CYCLES] [ICARUS_CYCLES]   (default 1000000, 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
vcycles=${1:-1000000}; icycles=${2:-100000}
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"   # a cold build cache
args=(cosim rtl/counter.v --top counter --model tests/fixtures/cosim/counter_model.cpp --json)
"$bin" "${args[@]}" --seed 1 --cycles 1000 > "$work/cold.json"
"$bin" "${args[@]}" --seed 2 --cycles 1000 > "$work/warm.json"
"$bin" "${args[@]}" --seed 3 --cycles "$vcycles" > "$work/vfast.json"
"$bin" "${args[@]}" --seed 3 --cycles "$icycles" --sim icarus > "$work/ifast.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
load = lambda n: json.load(open(f"{w}/{n}.json"))
cold, warm, v, i = load("cold"), load("warm"), load("vfast"), load("ifast")
for r in (cold, warm, v, i):
    assert r["verdict"] == "match", r
c, h = cold["runs"][0], warm["runs"][0]
print(f"verilator harness: cold build + 1000 cycles {c['seconds']:.2f} s; rerun with a new seed "
      f"{h['seconds']:.2f} s ({'no rebuild' if h['build_cached'] else 'REBUILT'})")
vr, ir = v["runs"][0], i["runs"][0]
print(f"verilator: {v['cycles']} cycles in {vr['seconds']:.2f} s = {v['cycles'] / vr['seconds'] / 1e6:.2f} M cycles/s (target >= 1)")
print(f"icarus:    {i['cycles']} cycles in {ir['seconds']:.2f} s = {i['cycles'] / ir['seconds'] / 1e3:.1f} k cycles/s (model recording, replay testbench)")
PY
