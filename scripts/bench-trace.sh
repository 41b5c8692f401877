#!/usr/bin/env bash
# Fault-localization accuracy of `rtlsmith trace` on planted faults: every VerilogEval v2
# reference (../shared/benchmarks; errata — references that fail their own testbench — left
# out) is renamed to TopModule and mutated (`rtlsmith mutate`, single faults, seeded); each
# mutant the problem's testbench kills is traced, and the mutated line's rank among the
# suspects is recorded. Prints top-1/3/5 accuracy per spectrum formula, the same for a baseline
# that ranks the failing outputs' static cone at random (expected value), and the mean analysis
# time beyond the simulation.
# Usage: scripts/bench-trace.sh [MUTANTS_PER_PROBLEM] [DATASET] [PROBLEM_LIMIT]
#        (default 4, ../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl, all)
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-4}
dataset=${2:-../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl}
limit=${3:-100000}
bin=${RTLSMITH_BIN:-$PWD/target/release/rtlsmith}
[ -x "$bin" ] || cargo build --release --locked
[ -d "$dataset" ] || { echo "bench-trace: no dataset at $dataset" >&2; exit 2; }
dataset=$(cd "$dataset" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 - "$bin" "$dataset" "$work" "$per" "$limit" <<'PY'
import concurrent.futures as cf, glob, json, os, re, subprocess, sys
bin_, dataset, work, per, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
jobs = max(1, os.cpu_count() or 1)

def trace(task, cand):
    p = subprocess.run([bin_, "trace", "verilog-eval-v2", dataset, "--task", task,
                        "--candidate", cand, "--json", "--all-rankings", "--suspects", "1000"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return {"verdict": "error", "message": p.stderr.strip()[-300:]}
    return json.loads(p.stdout)

def prepare(ref):
    task = os.path.basename(ref)[:-len("_ref.sv")]
    d = os.path.join(work, task); os.makedirs(d)
    src = os.path.join(d, "top.sv")
    open(src, "w").write(re.sub(r"\bRefModule\b", "TopModule", open(ref).read()))
    # an erratum: the reference itself does not pass its testbench
    if trace(task, src)["verdict"] != "pass":
        return task, None
    out = os.path.join(d, "mutants")
    p = subprocess.run([bin_, "mutate", src, "--top", "TopModule", "--count", str(per),
                        "--seed", "1", "--out", out], capture_output=True, text=True)
    if p.returncode != 0:
        return task, []
    return task, json.load(open(os.path.join(out, "mutants.json")))["mutants"]

refs = sorted(glob.glob(os.path.join(dataset, "*_ref.sv")))[:limit]
with cf.ThreadPoolExecutor(jobs) as ex:
    prepared = list(ex.map(prepare, refs))
errata = [t for t, m in prepared if m is None]
todo = [(t, m) for t, ms in prepared if ms for m in ms]

def one(tm):
    task, m = tm
    r = trace(task, m["path"])
    return task, m, r

with cf.ThreadPoolExecutor(jobs) as ex:
    results = list(ex.map(one, todo))

killed = [(t, m, r) for t, m, r in results if r["verdict"] == "fail"]
survived = sum(1 for _, _, r in results if r["verdict"] == "pass")
other = [(t, m, r) for t, m, r in results if r["verdict"] not in ("fail", "pass")]
ks = (1, 3, 5)
def covers(entry, m):
    # "file:line-end": the mutated line within a suspect statement's lines
    f, _, span = entry.rpartition(":")
    a, _, b = span.partition("-")
    return f == m["path"] and int(a) <= m["line"] <= int(b or a)
def rank(r, m, formula):
    order = r.get("rankings", {}).get(formula, [])
    return next((i + 1 for i, e in enumerate(order) if covers(e, m)), None)
formulas = sorted({f for _, _, r in killed for f in r.get("rankings", {})})
print(f"bench-trace: {len(refs)} references, {len(errata)} errata left out, {len(todo)} mutants; "
      f"killed {len(killed)}, survived {survived}, other {len(other)}")
for f in formulas:
    ranks = [rank(r, m, f) for _, m, r in killed]
    acc = [100.0 * sum(1 for x in ranks if x and x <= k) / max(1, len(ranks)) for k in ks]
    print(f"  {f:<10} top-1 {acc[0]:5.1f}%  top-3 {acc[1]:5.1f}%  top-5 {acc[2]:5.1f}%")
base = []
for k in ks:
    tot = 0.0
    for _, m, r in killed:
        cone = r.get("static_cone", [])
        if any(covers(e, m) for e in cone):
            tot += min(1.0, k / len(cone))
    base.append(100.0 * tot / max(1, len(killed)))
print(f"  {'random cone':<10} top-1 {base[0]:5.1f}%  top-3 {base[1]:5.1f}%  top-5 {base[2]:5.1f}%  (expected value)")
ms = [r["analysis_ms"] for _, _, r in killed]
sim = [r["sim_seconds"] for _, _, r in killed]
if ms:
    ms_sorted = sorted(ms)
    print(f"  analysis beyond simulation: mean {sum(ms)/len(ms):.1f} ms, p95 {ms_sorted[int(0.95*(len(ms)-1))]:.1f} ms, "
          f"max {ms_sorted[-1]:.1f} ms (simulation mean {sum(sim)/len(sim):.2f} s)")
slow = sorted(((r["analysis_ms"], t) for t, _, r in killed), reverse=True)[:3]
print("  slowest: " + ", ".join(f"{t} {ms:.0f} ms" for ms, t in slow))
by_op = {}
for _, m, r in killed:
    by_op.setdefault(m["operator"], []).append(rank(r, m, "ochiai"))
for op, rs in sorted(by_op.items()):
    t1 = sum(1 for x in rs if x == 1); t3 = sum(1 for x in rs if x and x <= 3)
    print(f"    {op:<26} {len(rs):4} mutants  top-1 {100*t1/len(rs):5.1f}%  top-3 {100*t3/len(rs):5.1f}%")
if os.environ.get("BENCH_TRACE_MISSES"):
    for t, m, r in killed:
        x = rank(r, m, "ochiai")
        if x is None or x > 3:
            print(f"  miss {t} {m['operator']} line {m['line']}: rank {x}; top: {r['suspects'][:2] and [s['line'] for s in r['suspects'][:5]]}")
for t, m, r in other[:5]:
    print(f"  other: {t} {m['id']}: {r.get('verdict')} {r.get('message', '')[:200]}")
PY
