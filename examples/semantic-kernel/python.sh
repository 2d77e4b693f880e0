#!/usr/bin/env bash
# Runs the example venv's python with the given arguments, creating the venv first if needed
# (setup.sh; its progress goes to stderr, so stdout carries only the program's own output).
#   examples/semantic-kernel/python.sh examples/semantic-kernel/step4_handoff.py
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="$(bash "$HERE/setup.sh" | tail -n 1)"
exec "$PY" "$@"
