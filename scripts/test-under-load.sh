#!/usr/bin/env bash
# Verdicts must not depend on how busy the machine is. Judges the 156 VerilogEval v2 spec-to-rtl
# references and the fixture samples (honest, wrong, hung, flooding and faking candidates) once
# on a quiet machine and once with twice as many simulations as cores while CPU-bound processes
# keep every core busy, and fails unless every verdict is the same (and the fixtures' verdicts are
# the ones tests/fixtures/eval/*-expected.txt name).
# Usage: scripts/test-under-load.sh [BENCHMARKS_DIR]   (default: ../shared/benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ve2-common.sh
cores=$(nproc)
work=$(mktemp -d)
busy=()
cleanup() { [ ${#busy[@]} -gt 0 ] && kill "${busy[@]}" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_CACHE_HOME="$work/cache"   # durations only; verdicts are never reused (--no-cache)

judge() { # $1: label, $2: jobs
  "$bin" eval verilog-eval-v2 "$suite" --references --no-cache --jobs "$2" --out "$work/$1-refs" >/dev/null
  "$bin" eval verilog-eval-v2 tests/fixtures/eval/ve2 --samples tests/fixtures/eval/ve2-samples.jsonl \
    --no-cache --timeout 3 --jobs "$2" --out "$work/$1-fixtures" >/dev/null
  "$bin" eval rtllm tests/fixtures/eval/rtllm11 --samples tests/fixtures/eval/rtllm11-samples \
    --no-cache --timeout 3 --jobs "$2" --out "$work/$1-rtllm" >/dev/null
}

start=$(date +%s)
judge quiet "$cores"
echo "load test: quiet run done in $(( $(date +%s) - start )) s"
for _ in $(seq 1 $((2 * cores))); do
  ( while :; do :; done ) &
  busy+=($!)
done
start=$(date +%s)
judge loaded $((2 * cores))
echo "load test: loaded run ($((2 * cores)) busy loops, $((2 * cores)) jobs on $cores cores) done in $(( $(date +%s) - start )) s"
kill "${busy[@]}" 2>/dev/null; busy=()

python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def verdicts(d):
    out = {}
    for l in open(os.path.join(work, d, "results.jsonl")):
        r = json.loads(l)
        out[(r["task_id"], r["sample"])] = (r["code"], r.get("mismatches"), r.get("vectors"))
    return out
def expected(name):
    e = {}
    for l in open(os.path.join("tests/fixtures/eval", name)):
        if l.startswith("#") or not l.strip():
            continue
        t, s, c = l.split()[:3]
        e[(t, int(s))] = c
    return e
bad = 0
for kind in ("refs", "fixtures", "rtllm"):
    q, l = verdicts(f"quiet-{kind}"), verdicts(f"loaded-{kind}")
    diff = sorted(k for k in q.keys() | l.keys() if q.get(k) != l.get(k))
    for k in diff:
        print(f"load test: {kind} {k[0]} sample {k[1]}: quiet {q.get(k)} but loaded {l.get(k)}")
    bad += len(diff)
    print(f"load test: {kind}: {len(q)} verdicts, {len(diff)} differ under load")
for kind, name in (("fixtures", "ve2-expected.txt"), ("rtllm", "rtllm11-expected.txt")):
    got = verdicts(f"loaded-{kind}")
    for k, c in expected(name).items():
        if got.get(k, ("?",))[0] != c:
            print(f"load test: {kind} {k[0]} sample {k[1]}: expected {c}, got {got.get(k)}")
            bad += 1
sys.exit(1 if bad else 0)
PY
echo "load test: identical verdicts on a quiet and on a loaded machine"
