#!/usr/bin/env bash
# Records what Agent Framework sends over the HTTP wire: examples/agent-framework/support_desk.py
# under `handoff serve examples/agent-framework/support_desk.json`, through wire_proxy.py, in the
# four wirings the framework's handoff apps use: the Responses API (FoundryChatClient, chained by
# previous_response_id) or Chat Completions (OpenAIChatCompletionClient), with the task's
# workflow.run streamed and the later ones not (the samples' way, `streamed_runs: first`) or every
# run streamed (`streamed_runs: all`). Writes conformance/traces/af-wire/support_desk.<api>-<runs>.jsonl
# (one line per request: path, status, body); the test `serve::af_wire` sends them to serve again.
#   conformance/af/record_wire.sh          # needs target/release/handoff (cargo build --release)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HANDOFF="${HANDOFF:-$ROOT/target/release/handoff}"
PY="$(examples/published/agent-framework/setup.sh | tail -n 1)"
OUT="$ROOT/conformance/traces/af-wire"
TMP="$(mktemp -d)"
trap 'kill "${PROXY:-}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
for api in responses chat; do
  for runs in first all; do
    client=foundry; [[ $api == chat ]] && client=chat-completions
    sed "s/\"streamed_runs\": \"first\"/\"streamed_runs\": \"$runs\"/" \
      examples/agent-framework/support_desk.json > "$TMP/scenario.json"
    log="$OUT/support_desk.$api-$runs.jsonl"
    rm -f "$log" "$TMP/proxy.port" "$TMP/serve.port"
    python3 conformance/af/wire_proxy.py "$TMP/proxy.port" "$TMP/serve.port" "$log" & PROXY=$!
    while [[ ! -s "$TMP/proxy.port" ]]; do sleep 0.05; done
    proxy="http://127.0.0.1:$(cat "$TMP/proxy.port")"
    SUPPORT_DESK_CLIENT=$client SUPPORT_DESK_STREAM=$runs "$HANDOFF" serve "$TMP/scenario.json" \
      --port-file "$TMP/serve.port" --timeout 60 --wait 5 -- \
      env FOUNDRY_PROJECT_ENDPOINT="$proxy" OPENAI_BASE_URL="$proxy/v1" \
      "$PY" examples/agent-framework/support_desk.py > "$TMP/report.txt" 2>&1 \
      || { cat "$TMP/report.txt" >&2; exit 1; }
    kill "$PROXY"; wait "$PROXY" 2>/dev/null || true
    echo "$api-$runs: $(wc -l < "$log") requests, $(tail -n 3 "$TMP/report.txt" | tr '\n' ' ')" >&2
  done
done
