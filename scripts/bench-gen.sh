#!/usr/bin/env bash
# Benchmark of `rtlsmith gen` beyond the model: the worked examples replayed from their
# recorded sessions (no network, every reply from the session), so the figures are what the
# pipeline itself costs — C++ compiles and tests, lint, Yosys, the spec-test testbench and
# co-simulation on both simulators — per stage and in total, with a cold and a warm cosim
# build cache. Target: under a minute per small design on 2 cores, cold.
# Usage: scripts/bench-gen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
for ex in specs/examples/*/; do
  name=$(basename "$ex")
  for pass in cold warm; do
    start=$(date +%s.%N)
    "$bin" gen "$ex/spec.md" --replay "$ex/session.jsonl" --out "$work/$name-$pass" --json > "$work/$name-$pass.json"
    end=$(date +%s.%N)
    python3 - "$work/$name-$pass.json" "$name" "$pass" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, cache, t0, t1 = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
assert r["verdict"] == "verified", r["reason"]
stages = ", ".join(f"{s['name']} {s['seconds']:.1f} s" for s in r["stages"])
syn = r.get("synth") or {}
print(f"{name:<8} {cache}: {r['verdict']} in {t1 - t0:5.1f} s wall ({stages}); "
      f"{syn.get('cells', '?')} cells; cosim {r['cosim']['cycles']} cycles on both simulators; "
      f"{sum(s['requests'] for s in r['stages'])} requests, all from the session")
PY
  done
done
