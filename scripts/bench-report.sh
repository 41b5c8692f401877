#!/usr/bin/env bash
# Cost of the pictures and pages: `rtlsmith report` on a whole-suite eval run (the 156
# VerilogEval v2 spec-to-rtl problems judged with mutated references as samples, so there are
# failing samples with logs and traced waveforms), and `rtlsmith wave` drawing a window at the
# end of a large generated VCD (the file is streamed; only the asked signals are kept).
# Prints wall time, peak memory (max RSS) and output size.
# Usage: scripts/bench-report.sh [DATASET] [VCD_STEPS]
#        (default ../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl, 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:-../shared/benchmarks/verilog-eval-v2/dataset_spec-to-rtl}
steps=${2:-1000000}
bin=${RTLSMITH_BIN:-$PWD/target/release/rtlsmith}
[ -x "$bin" ] || cargo build --release --locked
[ -d "$dataset" ] || { echo "bench-report: no dataset at $dataset" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

measure() { # label, command…: wall seconds and max RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  read -r secs kib < "$work/time"
  printf '%-44s %7.2f s  %8.1f MiB\n' "$label" "$secs" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')"
}

# samples: each reference, and a copy with its first `&` or `+` swapped (most then fail)
python3 - "$dataset" "$work/samples.jsonl" <<'PY'
import glob, json, os, re, sys
dataset, out = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    for ref in sorted(glob.glob(os.path.join(dataset, "*_ref.sv"))):
        task = os.path.basename(ref)[: -len("_ref.sv")]
        code = re.sub(r"\bRefModule\b", "TopModule", open(ref).read())
        f.write(json.dumps({"task_id": task, "completion": code}) + "\n")
        bad = re.sub(r"(?<![&|])&(?![&])", "|", code, count=1)
        if bad == code:
            bad = code.replace("+", "-", 1)
        f.write(json.dumps({"task_id": task, "completion": bad}) + "\n")
PY
echo "bench-report: judging $(wc -l < "$work/samples.jsonl") samples of $(basename "$dataset") with --trace (not timed)"
"$bin" eval verilog-eval-v2 "$dataset" --samples "$work/samples.jsonl" --out "$work/run" \
  --jobs "$(nproc)" --trace --no-cache > "$work/eval.log" 2>&1 || { tail "$work/eval.log"; exit 1; }
failing=$(grep -c '"passed":false' "$work/run/results.jsonl" || true)
waves=$(find "$work/run/trace" -name '*.wave.json' | wc -l)
measure "report: one run ($failing failing, $waves waveforms)" "$bin" report "$work/run" --out "$work/one.html"
printf '%-44s %7.1f KiB\n' "  page size" "$(awk -v b="$(stat -c %s "$work/one.html")" 'BEGIN { print b / 1024 }')"
measure "report: the run beside itself" "$bin" report "$work/run" "$work/run" --out "$work/two.html"

# a VCD of $steps time steps: a clock, a 32-bit counter, a 64-bit bus and five noise bits
python3 - "$work/big.vcd" "$steps" <<'PY'
import sys
path, steps = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! clk $end\n"
            "$var reg 32 \" cnt [31:0] $end\n$var reg 64 # bus [63:0] $end\n")
    for k in range(5):
        f.write(f"$var wire 1 n{k} noise{k} $end\n")
    f.write("$upscope $end\n$enddefinitions $end\n")
    x = 1
    for t in range(steps):
        f.write(f"#{t * 5}\n{t % 2}!\n")
        if t % 2 == 0:
            f.write(f"b{format(t // 2, 'b')} \"\n")
            x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            f.write(f"b{format(x, 'b')} #\n")
            for k in range(5):
                f.write(f"{(x >> k) & 1}n{k}\n")
PY
size=$(awk -v b="$(stat -c %s "$work/big.vcd")" 'BEGIN { print b / 1048576 }')
last=$(( (steps - 1) * 5 ))
measure "$(printf 'wave: last 200 steps of a %.0f MiB VCD' "$size")" \
  "$bin" wave "$work/big.vcd" --signals clk,cnt,bus,noise0 --from $((last - 1000)) --to "$last" --svg "$work/w.svg"
printf '%-44s %7.1f KiB\n' "  picture size" "$(awk -v b="$(stat -c %s "$work/w.svg")" 'BEGIN { print b / 1024 }')"
