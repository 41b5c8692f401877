#!/usr/bin/env bash
# Play the sharded-eval recipe (github-eval-sharded.yml, slurm-eval.sh) on this machine: N shard
# processes at once, as the matrix would run them, then `eval merge` with the HTML report; then
# the same evaluation unsharded, and check that the merged summary equals it (everything but
# times and cache reuse).
#
#   scripts/ci/play-matrix.sh SHARDS DATASET SAMPLES OUT
#
# EVAL_ARGS adds flags to every eval (e.g. "--timeout 5").
set -euo pipefail
# shellcheck disable=SC2086  # EVAL_ARGS is split into flags on purpose
[ $# -eq 4 ] || { echo "usage: $0 SHARDS DATASET SAMPLES OUT" >&2; exit 2; }
shards="$1"; dataset="$2"; samples="$3"; out="$4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RTLSMITH="${RTLSMITH:-$here/target/release/rtlsmith}"
mkdir -p "$out"

pids=()
for i in $(seq 1 "$shards"); do
  "$RTLSMITH" eval verilog-eval-v2 "$dataset" --samples "$samples" --shard "$i/$shards" \
    --jobs 1 --no-cache --out "$out/shard-$i" ${EVAL_ARGS:-} > "$out/shard-$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "play-matrix: shard $((i + 1)) failed:"; cat "$out/shard-$((i + 1)).log"; exit 1; }
done
dirs=()
for i in $(seq 1 "$shards"); do dirs+=("$out/shard-$i"); done
"$RTLSMITH" eval merge "${dirs[@]}" --out "$out/merged" --html "$out/report.html" > "$out/merge.log" 2>&1
"$RTLSMITH" eval verilog-eval-v2 "$dataset" --samples "$samples" --jobs 2 --no-cache \
  --out "$out/whole" ${EVAL_ARGS:-} > "$out/whole.log" 2>&1

python3 - "$out/merged/summary.json" "$out/whole/summary.json" <<'PY'
import json, sys
def norm(path):
    s = json.load(open(path))
    for k in ("wall_seconds", "sim_seconds", "reused"):
        s.pop(k, None)
    return s
merged, whole = norm(sys.argv[1]), norm(sys.argv[2])
if merged != whole:
    for k in sorted(set(merged) | set(whole)):
        if merged.get(k) != whole.get(k):
            print(f"play-matrix: {k} differs:\n  merged: {merged.get(k)}\n  whole:  {whole.get(k)}")
    sys.exit(1)
print(f"play-matrix: the merged summary of the shards equals the unsharded run "
      f"({whole['samples']} samples, pass@1 {whole['pass_at'].get('1')})")
PY
[ -s "$out/report.html" ] || { echo "play-matrix: no HTML report written"; exit 1; }
echo "play-matrix: HTML report $out/report.html"
