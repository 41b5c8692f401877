#!/usr/bin/env bash
# Set up rtlsmith: install the simulators and tools it drives (when missing), print their
# versions, and build the release binary. Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v verilator >/dev/null 2>&1 || need+=(verilator)
command -v iverilog >/dev/null 2>&1 || need+=(iverilog)
command -v yosys >/dev/null 2>&1 || need+=(yosys)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# Verilator's --binary builds need a C++ compiler and make
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Chromium loads the HTML reports in the browser tests (optional: without it they are skipped)
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium (headless browser for the HTML report tests)"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
    echo "setup: warning: chromium could not be installed; the browser tests of the HTML reports will be skipped"
  fi
fi

echo "setup: tools found"
printf '  %-10s %s\n' verilator "$(verilator --version)"
printf '  %-10s %s\n' iverilog "$(iverilog -V 2>&1 | head -n 1)"
printf '  %-10s %s\n' yosys "$(yosys -V)"
printf '  %-10s %s\n' pdftotext "$(pdftotext -v 2>&1 | head -n 1)"
printf '  %-10s %s\n' chromium "$(chromium --version 2>/dev/null || echo 'not installed (browser tests skipped)')"
printf '  %-10s %s\n' cargo "$(cargo --version)"

echo "setup: building rtlsmith (release)"
cargo build --release --locked
echo "setup: done: target/release/rtlsmith"
