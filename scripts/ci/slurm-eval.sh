#!/usr/bin/env bash
# rtlsmith: a VerilogEval v2 evaluation as a Slurm array job (one task per shard), then a merge
# job that runs when every shard has finished and writes the merged run and its HTML report.
#
#   scripts/ci/slurm-eval.sh submit SHARDS DATASET (--samples FILE | --model M) [OUT]
#
# submits the array and the merge job (sbatch --dependency=afterany on the array). Each array
# task re-runs this script as `shard`; the merge job as `merge`. Set RTLSMITH to the binary
# (default: target/release/rtlsmith of this checkout); EVAL_ARGS adds flags to every shard
# (e.g. "--jobs 8 --trace"). A shard killed by the scheduler resumes when resubmitted: a run
# directory keeps what was judged.
#SBATCH --job-name=rtlsmith-eval
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=04:00:00
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RTLSMITH="${RTLSMITH:-$here/target/release/rtlsmith}"

case "${1:-}" in
  submit)
    [ $# -ge 4 ] || { echo "usage: $0 submit SHARDS DATASET (--samples FILE | --model M) [OUT]" >&2; exit 2; }
    shards="$2"; dataset="$3"; kind="$4"; what="$5"; out="${6:-runs/slurm-$(date +%Y%m%d-%H%M%S)}"
    mkdir -p "$out"
    array=$(sbatch --parsable --array=1-"$shards" --output="$out/shard-%a.log" \
      "$0" shard "$shards" "$dataset" "$kind" "$what" "$out")
    sbatch --dependency=afterany:"$array" --output="$out/merge.log" \
      "$0" merge "$shards" "$dataset" "$kind" "$what" "$out"
    echo "submitted array $array ($shards shards) and its merge; results in $out"
    ;;
  shard)
    shards="$2"; dataset="$3"; kind="$4"; what="$5"; out="$6"
    i="${SLURM_ARRAY_TASK_ID:?run as a Slurm array task}"
    # shellcheck disable=SC2086
    "$RTLSMITH" eval verilog-eval-v2 "$dataset" "$kind" "$what" --shard "$i/$shards" \
      --jobs "${SLURM_CPUS_PER_TASK:-2}" --out "$out/shard-$i" ${EVAL_ARGS:-}
    ;;
  merge)
    shards="$2"; out="$6"
    dirs=()
    for i in $(seq 1 "$shards"); do dirs+=("$out/shard-$i"); done
    "$RTLSMITH" eval merge "${dirs[@]}" --out "$out/all" --html "$out/report.html"
    ;;
  *)
    echo "usage: $0 submit SHARDS DATASET (--samples FILE | --model M) [OUT]" >&2
    exit 2
    ;;
esac
