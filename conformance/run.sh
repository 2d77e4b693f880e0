#!/usr/bin/env bash
# Runs setup.sh, then every probe of every framework, writing one JSON trace per probe to
# conformance/traces/<framework>/<probe>.json (framework = sk | af | oai).
#
#   conformance/run.sh                 all frameworks, all probes
#   conformance/run.sh sk              one framework
#   CONFORMANCE_RECHECK=1 conformance/run.sh
#                                      also run everything a second time into
#                                      target/conformance/recheck/ and fail if any trace differs
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash conformance/setup.sh

export PYTHONHASHSEED=0          # AF keeps handoff targets in a set: tool order follows the hash seed
export PYTHONDONTWRITEBYTECODE=1  # keep conformance/ free of __pycache__

frameworks=("$@")
[[ ${#frameworks[@]} -eq 0 ]] && frameworks=(sk af oai)

run_all() {  # $1 = output root
  local out_root="$1" fw
  for fw in "${frameworks[@]}"; do
    rm -rf "${out_root:?}/$fw"
    mkdir -p "$out_root/$fw"
    (cd "conformance/$fw" && "$ROOT/target/conformance/$fw/bin/python" probes.py "$out_root/$fw")
  done
}

run_all "$ROOT/conformance/traces"

if [[ "${CONFORMANCE_RECHECK:-0}" == "1" ]]; then
  run_all "$ROOT/target/conformance/recheck"
  for fw in "${frameworks[@]}"; do
    diff -r "$ROOT/conformance/traces/$fw" "$ROOT/target/conformance/recheck/$fw"
  done
  echo "run.sh: second run produced byte-identical traces"
fi
echo "run.sh: traces in conformance/traces/"
