#!/usr/bin/env bash
# Reflection benchmark: Spec2RTL-Agent's ablation table as mechanics. Each worked example is
# generated with a fault planted after its artifact passed its own checks (--inject: a wrong
# width in a record, an off-by-one in an earlier sub-function's C++, a wrong operator in the
# RTL) and once without a fault, under each configuration:
#   reflection      the whole pipeline, failures routed by the evidence (--router evidence)
#   no-reflection   failures go back to the stage that failed
#   naive-coding    no pseudocode/C++ (reflection on)
#   no-understand   no plan: the top coded from the whole spec (reflection on)
#   single-shot     the whole spec to RTL in one request
# It prints, per configuration, the designs verified, the faults that found a site, the mean
# interventions (human answers) and escalations (questions a person had to answer), the mean
# reflection decisions and requests.
#
# The replies are SCRIPTED (each example's scripted-replies.jsonl + ablation-replies.jsonl):
# the figures measure the routing machinery — which route a planted fault reaches and whether
# the design then verifies — not a model's judgement. With MODEL=provider:model set, the same
# matrix runs against that model instead (the router is then the model's analysis request).
# Usage: scripts/bench-reflect.sh [EXAMPLE...]     (default: every example)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"
examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(counter absdiff)
jobs="$work/jobs.txt"; : > "$jobs"
for ex in "${examples[@]}"; do
  dir=specs/examples/$ex
  cat "$dir/ablation-replies.jsonl" "$dir/scripted-replies.jsonl" > "$work/$ex.jsonl"
  # the sub-functions of the example's plan: its first (a dependency) and its top
  subs=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; u=[e for e in r if e.get("match")==f"Task: understand {sys.argv[2]}"][0]["reply"]; u=u.strip("`").removeprefix("json"); print(" ".join(s["name"] for s in json.loads(u)["subfunctions"]))' "$dir/scripted-replies.jsonl" "$ex")
  set -- $subs; dep=$1; top=${!#}
  for fault in none "record:$dep:width" "cpp:$dep:off-by-one" "rtl:$dep:operator" "rtl:$top:operator"; do
    for cfg in reflection no-reflection naive-coding no-understand single-shot; do
      echo "$ex $fault $cfg" >> "$jobs"
    done
  done
done
run_one() {
  ex=$1; fault=$2; cfg=$3
  out="$work/runs/$ex-${fault//:/_}-$cfg"
  args=(gen "specs/examples/$ex/spec.md" --out "$out" --json)
  if [ -n "${MODEL:-}" ]; then args+=(--model "$MODEL"); else args+=(--model "scripted:$work/$ex.jsonl"); fi
  case $cfg in
    no-reflection) args+=(--no-reflection) ;;
    *) [ -n "${MODEL:-}" ] || args+=(--router evidence) ;;
  esac
  case $cfg in
    naive-coding|no-understand|single-shot) args+=("--$cfg") ;;
  esac
  [ "$fault" = none ] || args+=(--inject "$fault")
  start=$(date +%s.%N)
  "$bin" "${args[@]}" > "$out.json" 2> "$out.err" || true
  end=$(date +%s.%N)
  echo "$ex $fault $cfg $start $end $out.json" >> "$work/done.txt"
}
export -f run_one; export bin work
: > "$work/done.txt"; mkdir -p "$work/runs"
xargs -P 2 -L 1 bash -c 'run_one "$@"' _ < "$jobs"
python3 - "$work/done.txt" "${MODEL:-}" <<'PY'
import json, sys, collections
model = sys.argv[2]
rows = collections.OrderedDict((c, []) for c in ["reflection", "no-reflection", "naive-coding", "no-understand", "single-shot"])
detail = []
for line in open(sys.argv[1]):
    ex, fault, cfg, t0, t1, path = line.split()
    try:
        r = json.load(open(path))
    except Exception:
        r = {"verdict": "error", "decisions": [], "stages": [], "interventions": 0, "reason": open(path.replace(".json", ".err")).read().strip()[:80]}
    applied = fault == "none" or bool((r.get("injected") or {}).get("applied"))
    esc = sum(1 for d in r.get("decisions", []) if d["route"] == "ask")
    routes = " ".join(f'{d["route_number"]}' for d in r.get("decisions", [])) or "-"
    rows[cfg].append(dict(verified=r["verdict"] == "verified", applied=applied, interventions=r.get("interventions", 0),
                          escalations=esc, decisions=len(r.get("decisions", [])),
                          requests=sum(s.get("requests", 0) for s in r.get("stages", [])), seconds=float(t1) - float(t0)))
    if applied:
        detail.append(f"  {ex:<8} {fault:<22} {cfg:<14} {r['verdict']:<9} routes {routes:<8} {r.get('reason', '')[:70]}")
label = f"model {model}" if model else "SCRIPTED replies (mechanics of routing, not a model's judgement)"
print(f"reflection benchmark — {label}")
print("(runs whose fault found no site in that configuration's artifacts are left out of the means)")
print(f"{'configuration':<15} {'runs':>5} {'verified':>9} {'interventions':>14} {'escalations':>12} {'decisions':>10} {'requests':>9} {'s/run':>6}")
for cfg, rs in rows.items():
    rs = [x for x in rs if x['applied']]
    if not rs:
        continue
    n = len(rs); m = lambda k: sum(x[k] for x in rs) / n
    print(f"{cfg:<15} {n:>5} {sum(x['verified'] for x in rs):>5}/{n:<3} {m('interventions'):>14.2f} {m('escalations'):>12.2f} {m('decisions'):>10.2f} {m('requests'):>9.1f} {m('seconds'):>6.1f}")
print("\nper run (routes: the reflection decisions' route numbers, 1 record · 2 earlier · 3 code · 4 ask):")
print("\n".join(sorted(detail)))
PY
