#!/usr/bin/env bash
# Smoke: `glassbox agent -p` completes a turn against `glassbox serve` (the agent's default server).
# usage: agent_serve_smoke.sh GLASSBOX_BIN SHARED_DIR WORK_DIR
set -u
bin=$1 shared=$2 work=$3
model=$shared/reference/storyteller-16m-q8_0.gguf
if [[ ! -f $model ]]; then echo "SKIP: ../shared absent; agent-vs-serve smoke test needs the storyteller model"; exit 0; fi
rm -rf "$work" && mkdir -p "$work/ws" && cd "$work/ws" && git init -q .
port=$(( 20000 + RANDOM % 20000 ))
"$bin" serve -m "$model" --port "$port" --ctx 4096 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
out=$(GLASSBOX_HOME="$work/home" timeout 120 "$bin" agent -p "Tell me a story" --base-url "http://127.0.0.1:$port" \
      --output-format json --max-turns 2 --max-tokens 32 2>"$work/agent.err" | tail -1)
echo "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["type"] == "result" and r["subtype"] == "success" and not r["is_error"], r
assert r["num_turns"] == 1 and r["usage"]["input_tokens"] > 0 and r["usage"]["output_tokens"] > 0, r
assert r["result"].strip(), r
print("1 passed, 0 failed")
PY
