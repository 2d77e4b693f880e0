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
# shellcheck source=../../examples/venv.sh
source "$ROOT/examples/venv.sh"
pinned_venv "$ROOT/target/validators/venv" "lxml jsonschema" "$HERE/constraints.txt" "validators/setup.sh"
