#!/usr/bin/env bash
# Benchmark of `rtlsmith ingest`: extraction quality of the fixture datasheet against its
# ground truth (precision/recall of ports, parameters, registers, fields, sections), then speed
# and peak memory on long PDFs typeset from the same source (about 120 and 600 pages).
# Needs groff for the long PDFs (apt-get install groff). Target: 100 pages in under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fx=tests/fixtures/spec

"$bin" ingest "$fx/scu.pdf" --format json > "$work/scu.json"
python3 - "$work/scu.json" "$fx/scu.expected.json" <<'PY'
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def pr(g, w):
    g, w = set(g), set(w); hit = len(g & w)
    return hit / max(len(g), 1), hit / max(len(w), 1)
width = lambda p: str(p["width"])
cases = {
  "ports": ([f'{p["name"]}|{p["direction"]}|{width(p)}' for p in got["ports"]], ["|".join(map(str, p)) for p in want["ports"]]),
  "parameters": ([f'{p["name"]}|{p.get("default", "")}' for p in got["parameters"]], ["|".join(p) for p in want["parameters"]]),
  "registers": ([f'{r["name"]}|{r.get("offset","")}|{r.get("access","")}|{r.get("reset","")}' for r in got["registers"]], ["|".join(r) for r in want["registers"]]),
  "fields": ([f'{f["name"]}|{f["bits"]}' for r in got["registers"] for f in r.get("fields", [])], ["|".join(f) for f in want["fields"]["LCR"]]),
}
def titles(ss):
    for s in ss:
        yield s["title"]; yield from titles(s["children"])
cases["sections"] = (list(titles(got["sections"])), want["sections"])
print("extraction quality on tests/fixtures/spec/scu.pdf (4 pages, groff):")
for k, (g, w) in cases.items():
    p, r = pr(g, w)
    print(f"  {k:<11} precision {p:.3f}  recall {r:.3f}  ({len(w)} expected)")
PY

if ! command -v groff >/dev/null; then
  echo "bench: groff not installed; skipping the long-document timing (apt-get install groff)"; exit 0
fi
python3 - "$fx/scu.ms" "$work" <<'PY'
import sys
src = open(sys.argv[1]).read()
head, rest = src.split(".NH\nOverview", 1)
for name, n in (("long120", 40), ("long600", 200)):
    open(f"{sys.argv[2]}/{name}.ms", "w").write(head + (".NH\nOverview" + rest) * n)
PY
for name in long120 long600; do
  groff -ms -t -Tpdf "$work/$name.ms" > "$work/$name.pdf" 2>/dev/null
  python3 - "$bin" "$work/$name.pdf" <<'PY'
import resource, subprocess, sys, time, json
bin, pdf = sys.argv[1], sys.argv[2]
t = time.time()
out = subprocess.run([bin, "ingest", pdf, "--format", "json"], capture_output=True, check=True).stdout
dt = time.time() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
s = json.loads(out)
pages = s["source"]["pages"]
print(f"{pages} pages: {dt:.2f} s ({pages / dt:.0f} pages/s), peak memory {rss:.0f} MiB, "
      f"{len(s['ports'])} ports, {len(s['registers'])} registers")
PY
done
