#!/usr/bin/env bash
# Builds the handoff-harness wheel with maturin (installed from the package index into
# target/python/maturin-venv, pinned by python/constraints.txt) into target/python/wheels/, and
# prints its path last on stdout. Progress goes to stderr.
# Cache: the wheel is rebuilt only when a file it is built from changed (a hash of Cargo.toml,
# Cargo.lock, pyproject.toml, src/ and python/'s package folders, and the profile).
#   PROFILE=release python/build-wheel.sh   # a release wheel, as published (reuses `cargo build
#                                           # --release`); default: dev, built in a target folder
#                                           # of its own (target/python/cargo)
#   ZIG=1 PROFILE=release python/build-wheel.sh   # linked by zig (the ziglang package) against
#       glibc 2.17: tagged manylinux2014/manylinux_2_17 instead of manylinux_2_34; built in
#       target/zig/ (its C parts are compiled by zig: a build of its own, about 4 minutes)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=../examples/venv.sh
source "$ROOT/examples/venv.sh"
profile="${PROFILE:-dev}"
# Run from `cargo test`, the environment holds the variables cargo sets for a test
# (CARGO_MANIFEST_DIR, CARGO_PKG_*, ...); build scripts that watch them (ring's) would make
# cargo build again what `cargo test` has just built.
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^CARGO_(MANIFEST_|PKG_|CRATE_|BIN_|PRIMARY_PACKAGE|TARGET_TMPDIR)' || true)
extra=()
if [[ -n "${ZIG:-}" ]]; then
  python="$(pinned_venv "$ROOT/target/python/maturin-zig-venv" "maturin ziglang" "$HERE/constraints.txt" "build-wheel.sh")"
  out="$ROOT/target/python/wheels/$profile-zig"
  extra=(--zig --compatibility manylinux2014)
  # maturin finds zig through the python on PATH (`python -m ziglang`).
  export PATH="$(dirname "$python"):$PATH" CARGO_TARGET_DIR="$ROOT/target/zig"
else
  python="$(pinned_venv "$ROOT/target/python/maturin-venv" "maturin" "$HERE/constraints.txt" "build-wheel.sh")"
  out="$ROOT/target/python/wheels/$profile"
  # Not target/debug: `cargo test` builds the binary there with its dev-dependencies' features,
  # maturin without them, so each would link target/debug/handoff again while the other's
  # tests run it (and find it missing for a moment).
  [[ "$profile" == dev ]] && export CARGO_TARGET_DIR="$ROOT/target/python/cargo"
fi
stamp="$out/.inputs"
cd "$ROOT"
inputs="$( (echo "$profile ${extra[*]}"; find Cargo.toml Cargo.lock pyproject.toml src python/handoff_harness python/handoff \
  -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1)"
exec 8>"$ROOT/target/python/wheels.lock"
flock 8
wheel="$(ls "$out"/handoff_harness-*.whl 2>/dev/null | head -n1 || true)"
if [[ -n "$wheel" && -f "$stamp" && "$(cat "$stamp")" == "$inputs" ]]; then
  echo "$wheel"
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
started=$SECONDS
# A release wheel is stripped (4.5 MB instead of 4.9). A dev one is not (it is for the tests).
strip=()
[[ "$profile" == release ]] && strip=(--strip)
"$python" -m maturin build --profile "$profile" -b bin "${strip[@]}" "${extra[@]}" --out "$out" >&2
echo "build-wheel.sh: maturin build --profile $profile ${extra[*]} took $((SECONDS - started)) s" >&2
printf '%s' "$inputs" > "$stamp"
ls "$out"/handoff_harness-*.whl | head -n1
