#!/usr/bin/env bash
# Renders Mermaid to a picture, as a reader of the Markdown would see it:
# `scripts/render-mermaid.sh design.mmd design.png` (or `.svg`; `-` reads standard input).
# The Mermaid CLI comes from npm (@mermaid-js/mermaid-cli, pinned), installed once under
# target/tools/mermaid without its own browser (PUPPETEER_SKIP_DOWNLOAD=1); it drives the
# machine's Chromium (Debian's `chromium`, or CHROMIUM=path). Not part of the test suite:
# a browser is too heavy for CI. For an SVG it prints the picture's size in pixels, and the
# key's, the agents' (the boxes but the key's) and how many arrows cross the key.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: scripts/render-mermaid.sh INPUT.mmd|- OUTPUT.png|OUTPUT.svg" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TOOLS="$ROOT/target/tools/mermaid"
PACKAGE="@mermaid-js/mermaid-cli@12.2.0"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"

command -v node > /dev/null || { echo "render-mermaid.sh: needs Node.js (node) on PATH" >&2; exit 2; }
[[ -n "$CHROMIUM" ]] || { echo "render-mermaid.sh: needs Chromium (apt-get install chromium, or CHROMIUM=path)" >&2; exit 2; }
mkdir -p "$TOOLS"
exec 9>"$TOOLS.lock"
flock 9
if [[ ! -x "$TOOLS/node_modules/.bin/mmdc" ]]; then
  echo "render-mermaid.sh: installing $PACKAGE into $TOOLS" >&2
  (cd "$TOOLS" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --no-save "$PACKAGE" >&2)
fi
exec 9>&-

config="$(mktemp)"
trap 'rm -f "$config"' EXIT
# --no-sandbox: Chromium refuses its sandbox to root, which a container often is.
printf '{"executablePath": "%s", "args": ["--no-sandbox"]}\n' "$CHROMIUM" > "$config"
"$TOOLS/node_modules/.bin/mmdc" --quiet --puppeteerConfigFile "$config" --input "$1" --output "$2" --backgroundColor white >&2
[[ "$2" == *.svg ]] || exit 0
# The picture's size, and the key's beside the rest (nodes, arrows and labels), measured in
# the browser that drew it.
NODE_PATH="$TOOLS/node_modules" node -e '
const puppeteer = require("puppeteer");
const [svg, chromium] = process.argv.slice(1);
(async () => {
  const browser = await puppeteer.launch({ executablePath: chromium, args: ["--no-sandbox"] });
  const page = await browser.newPage();
  await page.goto("file://" + svg);
  const size = await page.evaluate(() => {
    const root = document.querySelector("svg");
    // At its own size (Mermaid fits it to the width of the page).
    const view = root.viewBox.baseVal;
    root.setAttribute("width", view.width);
    root.setAttribute("height", view.height);
    root.style.maxWidth = "none";
    const box = (els) => {
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (const el of els) {
        const b = el.getBoundingClientRect();
        if (b.width === 0 && b.height === 0) continue;
        [x0, y0, x1, y1] = [Math.min(x0, b.left), Math.min(y0, b.top), Math.max(x1, b.right), Math.max(y1, b.bottom)];
      }
      return x1 < x0 ? null : [Math.round(x1 - x0), Math.round(y1 - y0)];
    };
    // The key: the subgraph "Key" of older drawings with the boxes in it, or the box "key".
    const isKey = (el) => /-(key|k\d+|marks)(-\d+)?$/.test(el.id) || el.closest("[id$=-key]") !== null;
    const all = [...root.querySelectorAll(".node, .cluster, .edgePaths path, .edgeLabels .edgeLabel")];
    const keyBox = all.filter(isKey).filter((el) => el.classList.contains("cluster") || el.id.endsWith("-key-0"))[0];
    const k = keyBox && keyBox.getBoundingClientRect();
    const through = k ? [...root.querySelectorAll(".edgePaths path:not(.edge-thickness-invisible)")].filter((p) => {
      const b = p.getBoundingClientRect();
      return b.left < k.right && b.right > k.left && b.top < k.bottom && b.bottom > k.top;
    }).length : 0;
    const agents = [...root.querySelectorAll(".node")].filter((el) => !isKey(el));
    return { picture: box([root]), key: box(all.filter(isKey)), agents: box(agents), through };
  });
  const px = (b) => (b ? `${b[0]} x ${b[1]} px` : "none");
  console.log(`${svg}: ${px(size.picture)}; key ${px(size.key)}; agents ${px(size.agents)}; arrows across the key: ${size.through}`);
  await browser.close();
})();
' "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")" "$CHROMIUM"
