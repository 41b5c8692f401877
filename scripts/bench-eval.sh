#!/usr/bin/env bash
# Benchmark of `rtlsmith eval` on this machine. Prints, for the 156 VerilogEval v2 spec-to-rtl
# references (no verdict reuse; job durations learnt from a first run): the wall time, the sum of simulator times, and the lower bound
# max(longest single job, total / jobs), with how far the wall time is above it (target: 15%).
# Then: 20 identical copies of each of 20 samples — the cost should be about one simulation each.
# Usage: scripts/bench-eval.sh [BENCHMARKS_DIR]   (default: ../shared/benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ve2-common.sh
jobs=$(nproc)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
cache="$out/cache"   # a private cache: durations only (verdicts are never reused here)

# a first run teaches the scheduler how long each job takes; the second is measured
"$bin" eval verilog-eval-v2 "$suite" --references --no-cache --cache-dir "$cache" --jobs "$jobs" --out "$out/learn" >/dev/null
"$bin" eval verilog-eval-v2 "$suite" --references --no-cache --cache-dir "$cache" --jobs "$jobs" --out "$out/refs" >/dev/null

# 20 copies of the references of the first 20 problems, as candidates
python3 - "$suite" "$out/copies.jsonl" <<'PY'
import json, os, re, sys
suite, dest = sys.argv[1], sys.argv[2]
ids = sorted(f[:-len("_ref.sv")] for f in os.listdir(suite) if f.endswith("_ref.sv"))[:20]
with open(dest, "w") as f:
    for i in ids:
        ref = open(os.path.join(suite, i + "_ref.sv")).read()
        cand = re.sub(r"\bmodule\s+RefModule\b", "module TopModule", ref)
        for _ in range(20):
            f.write(json.dumps({"task_id": i, "completion": cand}) + "\n")
PY
start=$(date +%s.%N)
"$bin" eval verilog-eval-v2 "$suite" --samples "$out/copies.jsonl" --no-cache --cache-dir "$cache" --jobs "$jobs" --out "$out/copies" >/dev/null
end=$(date +%s.%N)

python3 - "$out" "$jobs" "$start" "$end" <<'PY'
import json, os, sys
out, jobs, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
s = json.load(open(os.path.join(out, "refs", "summary.json")))
times = [json.loads(l)["seconds"] for l in open(os.path.join(out, "refs", "references.jsonl"))]
total, longest = sum(times), max(times)
bound = max(longest, total / jobs)
wall = s["wall_seconds"]
print(f"VerilogEval v2 spec-to-rtl references: {len(times)} simulations on {jobs} jobs ({s['simulator_version']})")
print(f"  wall {wall:.2f}s, sum of simulator times {total:.2f}s, longest job {longest:.2f}s")
print(f"  lower bound max(longest, total/{jobs}) = {bound:.2f}s; wall is {100 * (wall / bound - 1):.1f}% above it (target <= 15%)")
c = json.load(open(os.path.join(out, "copies", "summary.json")))
sims = sum(1 for l in open(os.path.join(out, "copies", "results.jsonl")) if not json.loads(l)["cached"])
print(f"20 identical copies of 20 samples: {c['samples']} samples, {sims} simulations, {c['reused']} verdicts reused,")
print(f"  wall {end - start:.2f}s (calibration of the 20 references included) — {sims / c['samples']:.3f} simulations per sample")
PY
