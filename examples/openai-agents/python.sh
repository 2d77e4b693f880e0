#!/usr/bin/env bash
# Runs the example venv's python with the given arguments, creating the venv (and unpacking the SDK's
# sample) first if needed: setup.sh, whose progress goes to stderr, so stdout carries only the
# program's own output. Tracing is switched off (OPENAI_AGENTS_DISABLE_TRACING=1): the SDK would
# otherwise export traces to api.openai.com.
#   examples/openai-agents/python.sh examples/openai-agents/main.py
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="$(bash "$HERE/setup.sh" | tail -n 1)"
export OPENAI_AGENTS_DISABLE_TRACING=1
exec "$PY" "$@"
