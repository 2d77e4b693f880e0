#!/usr/bin/env bash
# Measures what BENCHMARKS.md's "Installing" section reports: the time from nothing to a first
# green pytest test with the wheel, beside a cold `cargo install`. Run from anywhere:
#   python/measure-install.sh [WHEEL]      # default: the release wheel python/build-wheel.sh builds
#   COLD_CARGO=1 python/measure-install.sh # also a cold `cargo install` (minutes; its own target dir)
# Prints one `name seconds` line per step on stdout. pip's cache is whatever the machine has: a
# first install on a machine downloads pytest (1.3 MB); the wheel is a local file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wheel="${1:-$(PROFILE=release "$ROOT/python/build-wheel.sh" | tail -n 1)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

echo "wheel_bytes $(stat -c %s "$wheel")"
start="$(now)"
python3 -m venv "$work/venv"
echo "venv_s $(since "$start")"
step="$(now)"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
echo "pip_install_wheel_s $(since "$step")"
step="$(now)"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$ROOT/python/constraints.txt" pytest
echo "pip_install_pytest_s $(since "$step")"

# A first test, in a folder of its own: a one-call scenario and a client of it.
mkdir "$work/tests"
cp "$ROOT/python/tests/data/hours.json" "$ROOT/python/tests/data/hours.request.json" "$work/tests/"
cat > "$work/tests/test_first.py" <<'PY'
import json
import os
import urllib.request
from pathlib import Path

import pytest


@pytest.mark.handoff("hours.json", snapshot=False)
def test_hours():
    body = (Path(__file__).parent / "hours.request.json").read_bytes()
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert json.load(response)["choices"][0]["message"]["content"].startswith("We are open")
PY
step="$(now)"
(cd "$work/tests" && PATH="$work/venv/bin:$PATH" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider > "$work/pytest.log") \
  || { cat "$work/pytest.log" >&2; exit 1; }
echo "pytest_first_test_s $(since "$step")"
echo "fresh_venv_to_green_s $(since "$start")"

if [[ "${COLD_CARGO:-0}" == 1 ]]; then
  git -C "$ROOT" archive --prefix=tree/ HEAD | tar -x -C "$work"
  step="$(now)"
  (cd "$work/tree" && CARGO_TARGET_DIR="$work/target" cargo install --quiet --path . --locked --root "$work/root")
  echo "cold_cargo_install_s $(since "$step")"
fi
