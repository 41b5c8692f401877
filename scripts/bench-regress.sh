#!/usr/bin/env bash
# Benchmark of the regression runner on the bundled designs (rtlsmith.toml). Prints:
#  - the runner's overhead per job beyond the simulators' own time (Icarus only, --jobs 1:
#    wall time minus the summed compile+run time of every job, divided by the job count);
#  - the speedup of --jobs 2 over --jobs 1 on both simulators, and how close --jobs 2 comes
#    to the bound max(longest job, total job time / jobs).
# Usage: scripts/bench-regress.sh [MANIFEST]   (build first: scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=${1:-rtlsmith.toml}
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

run() { # name jobs [extra args]
  local name=$1 jobs=$2; shift 2
  "$bin" regress --manifest "$manifest" --jobs "$jobs" --json "$out/$name.json" "$@" >/dev/null || {
    echo "bench: regress failed ($name); run it by hand to see why" >&2; exit 1; }
}

for i in 1 2 3; do run "icarus-j1-$i" 1 --sim icarus; done
run both-j1 1
run both-j2 2

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(n): return json.load(open(os.path.join(out, n + ".json")))
def jobs(r): return [res for c in r["cases"] for res in c["results"]]
def secs(res): return sum(p["seconds"] for p in (res.get("compile"), res.get("run")) if p)

ic = [load(f"icarus-j1-{i}") for i in (1, 2, 3)]
best = min(ic, key=lambda r: r["wall_seconds"])
n = len(jobs(best))
over = (best["wall_seconds"] - best["job_seconds"]) / n
print(f"icarus only, --jobs 1: {n} jobs, wall {best['wall_seconds']:.3f}s, simulator time {best['job_seconds']:.3f}s")
print(f"runner overhead per job: {over * 1000:.1f} ms beyond the simulator's own time")

j1, j2 = load("both-j1"), load("both-j2")
longest = max(secs(r) for r in jobs(j2))
bound = max(longest, j2["job_seconds"] / 2)
print(f"both simulators: {len(jobs(j1))} jobs")
print(f"  --jobs 1: wall {j1['wall_seconds']:.1f}s (simulator time {j1['job_seconds']:.1f}s)")
print(f"  --jobs 2: wall {j2['wall_seconds']:.1f}s (simulator time {j2['job_seconds']:.1f}s, longest job {longest:.1f}s)")
print(f"  speedup with --jobs 2: {j1['wall_seconds'] / j2['wall_seconds']:.2f}x")
print(f"  lower bound max(longest, total/2) = {bound:.1f}s; wall is {100 * (j2['wall_seconds'] / bound - 1):.1f}% above it")
PY
