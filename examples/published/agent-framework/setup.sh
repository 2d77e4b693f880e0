#!/usr/bin/env bash
# Creates the virtual environment Agent Framework's published handoff sample
# (python/samples/03-workflows/orchestrations/handoff_simple.py) runs in, under
# target/examples/agent-framework/venv (relative to the repository root, whatever the cwd), from the
# package index: agent-framework-core==1.23.0 and agent-framework-orchestrations==1.4.0 (the versions
# agent-framework==1.23.0 names), agent-framework-foundry (FoundryChatClient; it brings
# agent-framework-openai) and azure-identity (AzureCliCredential). Not agent-framework==1.23.0 itself:
# that meta-package depends on agent-framework-core[all], some thirty connector packages the sample
# does not import. Every transitive dependency is pinned by examples/published/agent-framework/constraints.txt
# (a pip freeze of a fresh install). Same approach as examples/semantic-kernel/setup.sh.
# Cache: a venv whose marker matches the requirements, the Python version and the constraints hash is
# left alone, and the script returns at once. Idempotent.
# All progress goes to stderr; the last line on stdout is the venv's python path.
#   PYTHON=python3.11 examples/published/agent-framework/setup.sh   # choose the interpreter (default python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
VENV="$ROOT/target/examples/agent-framework/venv"
CONSTRAINTS="$HERE/constraints.txt"
REQS="agent-framework-core==1.23.0 agent-framework-orchestrations==1.4.0 agent-framework-foundry azure-identity"
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
