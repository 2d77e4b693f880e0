#!/usr/bin/env bash
# Creates what the OpenAI Agents SDK example runs in, under target/examples/openai-agents (relative to
# the repository root, whatever the cwd), from the package index:
#   venv/ : openai-agents==0.24.0, every transitive dependency pinned by
#           examples/openai-agents/constraints.txt (a pip freeze of a fresh install);
#   sdk/  : the SDK's own samples, examples/customer_service/main.py and
#           examples/handoffs/message_filter.py with the examples/__init__.py and
#           examples/auto_mode.py they import, unpacked from the openai-agents 0.24.0 source
#           distribution (checked against its sha256), so that main.py runs it unchanged.
# Cache: when the marker matches the requirements, the Python version, the constraints hash and the
# source distribution's hash, the script returns at once. Idempotent.
# All progress goes to stderr; the last line on stdout is the venv's python path.
#   PYTHON=python3.11 examples/openai-agents/setup.sh   # choose the interpreter (default python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BASE="$ROOT/target/examples/openai-agents"
VENV="$BASE/venv"
SDK="$BASE/sdk"
CONSTRAINTS="$HERE/constraints.txt"
REQS="openai-agents==0.24.0"
SDIST="openai_agents-0.24.0"
SDIST_SHA256="4b4b285f4fed81fdf1b4ac426a9101658d9cd29b4fb1aaeee18f639b77e704e3"
SAMPLE="examples/__init__.py examples/auto_mode.py examples/customer_service/main.py examples/handoffs/message_filter.py"
PY="${PYTHON:-python3}"
marker="$BASE/.example-installed"

"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' \
  || { echo "setup.sh: need python >= 3.10 (3.11 expected)" >&2; exit 1; }

# One install at a time: test runners that run tests in processes of their own (nextest)
# start this script from several of them at once.
mkdir -p "$BASE"
exec 9>"$BASE.lock"
flock 9
want="$(printf '%s\n' "$REQS" "$SAMPLE"; "$PY" --version; sha256sum "$CONSTRAINTS" | cut -d' ' -f1; echo "$SDIST $SDIST_SHA256")"
if [[ -x "$VENV/bin/python" && -f "$SDK/examples/customer_service/main.py" && -f "$marker" \
      && "$(cat "$marker")" == "$want" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

echo "setup.sh: creating $VENV with $REQS" >&2
rm -rf "$VENV" "$SDK" "$marker"
mkdir -p "$BASE"
"$PY" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$CONSTRAINTS" $REQS >&2
"$VENV/bin/python" -m pip freeze --disable-pip-version-check > "$VENV/pip-freeze.txt"

echo "setup.sh: unpacking the SDK's samples from $SDIST.tar.gz into $SDK" >&2
download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
"$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
  -d "$download" "$REQS" >&2
got="$(sha256sum "$download/$SDIST.tar.gz" | cut -d' ' -f1)"
if [[ "$got" != "$SDIST_SHA256" ]]; then
  echo "setup.sh: $SDIST.tar.gz has sha256 $got, expected $SDIST_SHA256" >&2
  exit 1
fi
mkdir -p "$SDK"
members=()
for file in $SAMPLE LICENSE; do members+=("$SDIST/$file"); done
tar -xzf "$download/$SDIST.tar.gz" -C "$SDK" --strip-components=1 "${members[@]}"
printf '%s' "$want" > "$marker"
echo "setup.sh: ready" >&2
echo "$VENV/bin/python"
