#!/usr/bin/env bash
# The test command: formatting, lints as errors, the whole test suite, verdicts under load
# (quiet vs every core busy must agree), then the bundled regression (every design in
# rtlsmith.toml on both simulators).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "test: cargo fmt --check"
cargo fmt --all -- --check
echo "test: cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
echo "test: cargo test"
# with Chromium installed, the browser tests of the HTML reports must run (not skip)
if command -v chromium >/dev/null 2>&1; then
  export RTLSMITH_REQUIRE_BROWSER=1
else
  echo "test: note: chromium not found: the browser tests of the HTML reports are skipped (scripts/setup.sh installs it)"
fi
cargo test --locked --release
echo "test: screenshots of the HTML reports in target/test-artifacts/"
echo "test: verdicts under load (scripts/test-under-load.sh)"
bash scripts/test-under-load.sh
echo "test: rtlsmith regress (bundled designs)"
cargo run --release --locked --quiet -- regress --jobs "$(nproc)" --junit target/regress-junit.xml --json target/regress.json --html target/regress.html
