#!/usr/bin/env bash
# Re-capture the real tool output under tests/fixtures/diagnostics/{icarus,verilator}/ from the
# sources in tests/fixtures/diagnostics/src/. The snapshot tests parse these logs; run this
# after a simulator upgrade and review the snapshot changes with `cargo insta review`.
set -uo pipefail
cd "$(dirname "$0")/../tests/fixtures/diagnostics/src"
out=..
mkdir -p "$out/icarus" "$out/verilator"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in *.v; do
  n=${f%.v}
  case $n in
    runtime_*)
      iverilog -g2012 -o "$tmp/$n.vvp" "$f" && vvp -n "$tmp/$n.vvp" >"$out/icarus/$n.log" 2>&1
      verilator --binary --timing -Wno-fatal --quiet-exit --Mdir "$tmp/obj_$n" -o V "$f" >/dev/null 2>&1 \
        && "$tmp/obj_$n/V" >"$out/verilator/$n.log" 2>&1
      ;;
    *)
      iverilog -g2012 -Wall -t null "$f" >"$out/icarus/$n.log" 2>&1
      verilator --lint-only -Wall --timing "$f" >"$out/verilator/$n.log" 2>&1
      ;;
  esac
done
# the run above may leave core files or obj dirs in the source folder of older tools
rm -f core core.*
echo "captured: $(ls "$out/icarus" | wc -l) icarus, $(ls "$out/verilator" | wc -l) verilator logs"
