# Sourced by the setup scripts of the Python environments the project runs (the examples, the
# published samples, the test validators): `pinned_venv VENV "REQS" CONSTRAINTS LABEL` creates
# VENV with `python3 -m venv` (PYTHON=... chooses the interpreter) and installs REQS from the
# package index, every transitive dependency pinned by CONSTRAINTS (a pip freeze of a fresh
# install). A venv whose marker matches the requirements, the Python version and the
# constraints' hash is left alone. One install at a time (a lock beside VENV), since test
# runners that run tests in processes of their own start setup scripts from several at once.
# Progress goes to stderr; the venv's python is printed last on stdout.
pinned_venv() {
  local venv="$1" reqs="$2" constraints="$3" label="$4"
  local py="${PYTHON:-python3}" marker="$1/.example-installed"
  "$py" -c 'import sys; assert sys.version_info[:2] >= (3, 10), sys.version' \
    || { echo "$label: need python >= 3.10 (3.11 expected)" >&2; return 1; }
  mkdir -p "$(dirname "$venv")"
  exec 9>"$venv.lock"
  flock 9
  local want
  want="$(printf '%s\n' "$reqs"; "$py" --version; sha256sum "$constraints" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
    echo "$venv/bin/python"
    return 0
  fi
  echo "$label: creating $venv with $reqs" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$constraints" $reqs >&2
  "$venv/bin/python" -m pip freeze --disable-pip-version-check > "$venv/pip-freeze.txt"
  printf '%s' "$want" > "$marker"
  echo "$label: ready" >&2
  echo "$venv/bin/python"
}
