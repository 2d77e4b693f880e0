#!/usr/bin/env bash
# Creates what `pytest examples/pytest` runs in, under target/examples/pytest/venv (relative to the
# repository root, whatever the cwd), from the package index: the two samples' frameworks
# (semantic-kernel 1.45.0, openai-agents 0.24.0) and pytest, every transitive dependency pinned
# by examples/pytest/constraints.txt; then the handoff-harness wheel (the path given as $1, or
# the one python/build-wheel.sh builds), and the Agents SDK's customer-service sample
# (examples/openai-agents/setup.sh unpacks it from the SDK's source distribution).
# The venv is cached (examples/venv.sh); the wheel is installed again each time (about 1 s).
# Progress goes to stderr; the venv's python is printed last on stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../venv.sh
source "$ROOT/examples/venv.sh"
python="$(pinned_venv "$ROOT/target/examples/pytest/venv" \
  "semantic-kernel==1.45.0 protobuf openai-agents==0.24.0 openai==3.57.0 pytest pytest-xdist" \
  "$HERE/constraints.txt" "setup.sh" | tail -n 1)"
wheel="${1:-$("$ROOT/python/build-wheel.sh" | tail -n 1)}"
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel" >&2
"$ROOT/examples/openai-agents/setup.sh" > /dev/null
echo "$python"
