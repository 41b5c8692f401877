#!/usr/bin/env bash
# Re-record the worked examples' sessions (specs/examples/<name>/session.jsonl) from their
# scripted replies (scripted-replies.jsonl: written by hand, not a model's work). Run it after
# changing a gen_*.j2 prompt template: a session replays only the requests it recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
for dir in specs/examples/*; do

  rm -f "$dir/session.jsonl"
  out=$(mktemp -d)
  "$bin" gen "$dir/spec.md" --model "scripted:$dir/scripted-replies.jsonl" \
    --record "$dir/session.jsonl" --out "$out" | head -1
  rm -rf "$out"
  echo "recorded $dir/session.jsonl ($(wc -l < "$dir/session.jsonl") exchanges)"
done
