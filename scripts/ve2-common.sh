# Sourced by the scripts that run the VerilogEval v2 spec-to-rtl suite: the release binary
# (built when missing) in $bin and the suite folder in $suite, from the benchmarks folder given
# as the script's first argument (default ../shared/benchmarks).
bench=${1:-../shared/benchmarks}
suite="$bench/verilog-eval-v2/dataset_spec-to-rtl"
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
[ -d "$suite" ] || { echo "$(basename "$0"): $suite not found" >&2; exit 2; }
