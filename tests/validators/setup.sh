#!/usr/bin/env bash
# Creates the virtual environment of the real validators the tests check our output with:
# lxml (XML Schema: the JUnit report against the Jenkins schema, junit-10.xsd) and jsonschema
# (the JSON Schemas of schemas/ against every shipped file). Installed from the package index
# under target/validators/venv, every package pinned by constraints.txt; cached (a marker holds
# the requirements, the Python version and the constraints' hash). Progress on stderr; the last
# line on stdout is the venv's python.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/target/validators/venv"
CONSTRAINTS="$HERE/constraints.txt"
REQS="lxml jsonschema"
PY="${PYTHON:-python3}"
marker="$VENV/.installed"

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
echo "validators/setup.sh: creating $VENV with $REQS" >&2
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$CONSTRAINTS" $REQS >&2
printf '%s' "$want" > "$marker"
echo "$VENV/bin/python"
