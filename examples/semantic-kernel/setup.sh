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
VENV="$ROOT/target/examples/semantic-kernel/venv"
CONSTRAINTS="$HERE/constraints.txt"
REQS="semantic-kernel==1.45.0 protobuf"
PY="${PYTHON:-python3}"
marker="$VENV/.example-installed"

"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' \
  || { echo "setup.sh: need python >= 3.10 (3.11 expected)" >&2; exit 1; }

# One install at a time: test runners that run tests in processes of their own (nextest)
# start this script from several of them at once.
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9
want="$(printf '%s\n' "$REQS"; "$PY" --version; sha256sum "$CONSTRAINTS" | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

echo "setup.sh: creating $VENV with $REQS" >&2
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$CONSTRAINTS" $REQS >&2
"$VENV/bin/python" -m pip freeze --disable-pip-version-check > "$VENV/pip-freeze.txt"
printf '%s' "$want" > "$marker"
echo "setup.sh: ready" >&2
echo "$VENV/bin/python"
