#!/usr/bin/env bash
# Creates the Python virtual environments the conformance probes run in, under
# target/conformance/{sk,af,oai} (relative to the repository root), from the package index:
#   sk : semantic-kernel==1.45.0 + protobuf (SK imports it without declaring it)
#   af : agent-framework-core==1.23.0 + agent-framework-orchestrations==1.4.0
#   oai: openai-agents==0.24.0
# Every transitive dependency is pinned by conformance/constraints/<name>.txt (the pip freeze of the
# environments the committed traces were made with).
# Cache: a venv whose marker file matches the requirements + constraints is left alone.
# Idempotent; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="$ROOT/target/conformance"
CONSTRAINTS="$ROOT/conformance/constraints"
PY="${PYTHON:-python3}"
mkdir -p "$BASE"

"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' \
  || { echo "setup.sh: need python >= 3.10 (3.11 expected)" >&2; exit 1; }

declare -A REQS=(
  [sk]="semantic-kernel==1.45.0 protobuf"
  [af]="agent-framework-core==1.23.0 agent-framework-orchestrations==1.4.0"
  [oai]="openai-agents==0.24.0"
)

for name in sk af oai; do
  venv="$BASE/$name"
  marker="$venv/.conformance-installed"
  cfile="$CONSTRAINTS/$name.txt"
  want="$(printf '%s\n' "${REQS[$name]}"; "$PY" --version; sha256sum "$cfile" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    echo "setup.sh: $name: cached"
    continue
  fi
  echo "setup.sh: $name: creating venv with ${REQS[$name]}"
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$cfile" ${REQS[$name]}
  "$venv/bin/python" -m pip freeze --disable-pip-version-check > "$venv/pip-freeze.txt"
  printf '%s' "$want" > "$marker"
done
echo "setup.sh: venvs ready under $BASE"
