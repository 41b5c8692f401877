#!/usr/bin/env bash
# Benchmark of the LLM path of `rtlsmith eval --model` against a local OpenAI-compatible server
# (python3, loopback only) that answers every request after a fixed delay with a correct design,
# each reply a little different so that every sample is simulated. Prints the requests in
# flight that were achieved, the wall time against requests x delay / concurrency (target:
# within 15%), and the simulation time that ran hidden behind generation.
# Usage: scripts/bench-llm.sh [REQUESTS_PER_PROBLEM] [DELAY_SECONDS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}; delay=${2:-0.25}; conc=${3:-4}
bin=target/release/rtlsmith
[ -x "$bin" ] || cargo build --release --locked
work=$(mktemp -d)
port_file="$work/port"
python3 - "$delay" "$port_file" "$work/server.json" <<'PY' &
import json, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
delay, port_file, stats_file = float(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock(); state = {"in_flight": 0, "max": 0, "count": 0}
AND = "module TopModule(input a, input b, output y);\n  // reply %d\n  assign y = a & b;\nendmodule\n"
DFF = "module TopModule(input clk, input reset, input [7:0] d, output reg [7:0] q);\n  // reply %d\n  always @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule\n"
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        with lock:
            state["in_flight"] += 1; state["max"] = max(state["max"], state["in_flight"]); state["count"] += 1; k = state["count"]
            json.dump(state, open(stats_file, "w"))
        time.sleep(delay)
        code = (AND if "logical AND" in body else DFF) % k
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": "[BEGIN]\n" + code + "[DONE]"}, "finish_reason": "stop"}],
                          "usage": {"prompt_tokens": 200, "completion_tokens": 60}}).encode()
        self.send_response(200); self.send_header("content-type", "application/json"); self.send_header("content-length", str(len(out))); self.end_headers()
        self.wfile.write(out)
        with lock:
            state["in_flight"] -= 1
            json.dump(state, open(stats_file, "w"))
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
port=$(cat "$port_file")
XDG_CACHE_HOME="$work/xdg" "$bin" eval verilog-eval-v2 tests/fixtures/eval/ve2 \
  --model "openai:bench-model@http://127.0.0.1:$port/v1" --n "$n" --concurrency "$conc" \
  --no-cache --no-llm-cache --out "$work/run" >/dev/null
python3 - "$work/run/summary.json" "$work/server.json" "$n" "$delay" "$conc" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); srv = json.load(open(sys.argv[2]))
n, delay, conc = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
u = s["llm"]["usage"]; reqs = u["requests"]
expected = reqs * delay / conc
wall = s["wall_seconds"]
print(f"{reqs} requests, reply delay {delay}s, concurrency {conc}")
print(f"  requests in flight: at most {u['max_in_flight']} (client), {srv['max']} (server)")
print(f"  wall {wall:.2f}s vs requests x delay / concurrency = {expected:.2f}s ({100 * (wall / expected - 1):+.1f}%, target within 15%)")
print(f"  simulation time {s['sim_seconds']:.2f}s over {s['samples'] - s['reused']} simulations ran during generation:")
print(f"  wall - generation bound = {wall - expected:+.2f}s (simulation that did not hide would add up to {s['sim_seconds']:.2f}s)")
print(f"  {s['passed']}/{s['samples']} passed; tokens {u['prompt_tokens']}+{u['completion_tokens']}")
PY
