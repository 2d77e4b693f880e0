#!/usr/bin/env bash
# Prints the path of a Graphviz `dot` to run: `"$(scripts/graphviz.sh)" -Tsvg design.dot`.
# A `dot` on PATH is used as it is. Otherwise Debian's graphviz 2.42 packages are fetched
# with `apt-get download` (no root, nothing installed on the system) and unpacked with
# `dpkg -x` under target/tools/graphviz, once; the printed path is then a wrapper that sets
# LD_LIBRARY_PATH and GVBINDIR for the unpacked libraries and plugins. HANDOFF_OWN_GRAPHVIZ=1
# uses the unpacked one even when PATH has a `dot` (the suite does, for the same picture).
set -euo pipefail

if [[ -z "${HANDOFF_OWN_GRAPHVIZ:-}" ]] && command -v dot > /dev/null; then
  command -v dot
  exit 0
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TOOLS="$ROOT/target/tools/graphviz"
# graphviz and the libraries it needs that a Debian 12 machine with Cairo and Pango lacks.
PACKAGES=(graphviz libgvc6 libcgraph6 libcdt5 libpathplan4 libxdot4 libgvpr2 liblab-gamut1 libgts-0.7-5 libltdl7 libann0)

mkdir -p "$TOOLS"
exec 9>"$TOOLS.lock"
flock 9
if [[ ! -x "$TOOLS/dot" ]]; then
  for tool in apt-get dpkg; do
    command -v "$tool" > /dev/null || { echo "graphviz.sh: no dot on PATH, and no $tool to fetch Debian's" >&2; exit 2; }
  done
  echo "graphviz.sh: fetching ${PACKAGES[*]} into $TOOLS" >&2
  rm -rf "$TOOLS/debs" "$TOOLS/root"
  mkdir -p "$TOOLS/debs"
  (cd "$TOOLS/debs" && apt-get download "${PACKAGES[@]}" >&2)
  for deb in "$TOOLS"/debs/*.deb; do
    dpkg -x "$deb" "$TOOLS/root"
  done
  gvc="$(find "$TOOLS/root" -name 'libgvc.so.6' | head -n 1)"
  lib="${gvc%/libgvc.so.6}"
  [[ -n "$gvc" && -d "$lib/graphviz" ]] || { echo "graphviz.sh: the packages hold no graphviz plugins" >&2; exit 2; }
  # The plugins' registry, written where the plugins are.
  LD_LIBRARY_PATH="$lib" GVBINDIR="$lib/graphviz" "$TOOLS/root/usr/bin/dot" -c
  # The wrapper finds the unpacked tree beside itself, so the checkout may move.
  lib="${lib#"$TOOLS"/}"
  cat > "$TOOLS/dot.tmp" <<WRAPPER
#!/bin/sh
here="\$(cd "\$(dirname "\$0")" && pwd)"
LD_LIBRARY_PATH="\$here/$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" GVBINDIR="\$here/$lib/graphviz" exec "\$here/root/usr/bin/dot" "\$@"
WRAPPER
  chmod +x "$TOOLS/dot.tmp"
  mv "$TOOLS/dot.tmp" "$TOOLS/dot"
fi
exec 9>&-
echo "$TOOLS/dot"
