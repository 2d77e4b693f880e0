#!/usr/bin/env bash
# Creates the virtual environment the Semantic Kernel example runs in, under
# target/examples/semantic-kernel/venv (relative to the repository root, whatever the cwd), from the
# package index: semantic-kernel==1.45.0 + protobuf (SK imports it without declaring it). Every
# transitive dependency is pinned by examples/semantic-kernel/constraints.txt (a pip freeze of a fresh
# install). Same approach as conformance/setup.sh.
# Cache: a venv whose marker matches the requirements, the Python version and the constraints hash is
# left alone, and the script returns at once. Idempotent.
# All progress goes to stderr; the last line on stdout is the venv's python path.
#   PYTHON=python3.11 examples/semantic-kernel/setup.sh   # choose the interpreter (default python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../venv.sh
source "$ROOT/examples/venv.sh"
pinned_venv "$ROOT/target/examples/semantic-kernel/venv" "semantic-kernel==1.45.0 protobuf" \
  "$HERE/constraints.txt" "setup.sh"
