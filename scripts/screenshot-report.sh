#!/usr/bin/env bash
# Screenshot plan.html in headless Chromium and check the picture is not blank and that the task
# graphs were drawn. Usage: scripts/screenshot-report.sh REPORT.html OUT.png [WIDTH,HEIGHT]
# Installs Debian's `chromium` with apt-get when no browser is found and we are root.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH,HEIGHT]" >&2
  exit 2
fi
report=$1
out=$2
size=${3:-1400,3000}
if [ ! -f "$report" ]; then
  echo "error: $report: no such file" >&2
  exit 2
fi

find_browser() {
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  return 1
}

browser=$(find_browser || true)
if [ -z "$browser" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "no Chromium found; installing Debian's chromium package" >&2
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core >&2
    browser=$(find_browser || true)
  fi
fi
if [ -z "$browser" ]; then
  echo "error: no chromium, chromium-browser or google-chrome on PATH (install Debian's chromium package)" >&2
  exit 3
fi

# A tiny PNG decoder (zlib + row filters, no PIL): size, distinct colours, ink share, and the pixels
# of the graphs' start/end pills (fill #f1f8ff, drawn only inside the SVGs).
check() { # PNG EXPECT_GRAPHS
  python3 - "$1" "$2" <<'PY'
import struct, sys, zlib

path, expect_graphs = sys.argv[1], sys.argv[2] == "1"
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("error: %s is not a PNG" % path)
pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunk = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", chunk)
    elif kind == b"IDAT":
        idat += chunk
    pos += 12 + length
width, height, depth, colour_type, _, _, interlace = header
if depth != 8 or colour_type not in (2, 6) or interlace != 0:
    sys.exit("error: unsupported PNG layout (depth %d, colour type %d)" % (depth, colour_type))
channels = 3 if colour_type == 2 else 4
stride = width * channels
raw = zlib.decompress(idat)
rows, previous, offset = [], bytearray(stride), 0
for _ in range(height):
    kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
    offset += 1 + stride
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up = previous[i]
        corner = previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + left) & 255
        elif kind == 2: line[i] = (line[i] + up) & 255
        elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
            line[i] = (line[i] + predictor) & 255
    rows.append(line)
    previous = line
colours, ink, pills, total = set(), 0, 0, 0
for line in rows[::2]:
    for x in range(0, width, 2):
        r, g, b = line[x * channels:x * channels + 3]
        colours.add((r, g, b))
        total += 1
        if r + g + b < 600: ink += 1
        if abs(r - 0xf1) <= 3 and abs(g - 0xf8) <= 3 and abs(b - 0xff) <= 3: pills += 1
print("screenshot %s: %dx%d, %d distinct colours, %.1f%% ink, %d graph start/end pixels (sampled)"
      % (path, width, height, len(colours), 100.0 * ink / total, pills))
if len(colours) < 16 or ink < total // 200:
    sys.exit("error: the screenshot looks blank")
if expect_graphs and pills < 200:
    sys.exit("error: the report has graphs but none were drawn in the screenshot")
PY
}

shoot() { # FILE PNG
  local absolute
  absolute=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  rm -f "$2"
  # The page loads nothing from the network; --no-sandbox because CI containers run as root.
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --screenshot="$2" --window-size="$size" "file://$absolute" >/dev/null 2>"$2.log" || {
    echo "error: $browser failed; its log:" >&2
    cat "$2.log" >&2
    exit 4
  }
  if [ ! -s "$2" ]; then
    echo "error: $browser wrote no screenshot; its log:" >&2
    cat "$2.log" >&2
    exit 4
  fi
  rm -f "$2.log"
}

shoot "$report" "$out"
check "$out" 0

# The graphs come last in the page, usually below the first screen: a copy of the page with only
# its task-graph section (same head, same styles) is shot too, and must show the drawings.
if grep -q '<h2 id="graphs">' "$report" && grep -q "<svg" "$report"; then
  graphs_html=$(mktemp "${TMPDIR:-/tmp}/nodeward-graphs-XXXXXX.html")
  trap 'rm -f "$graphs_html"' EXIT
  python3 - "$report" "$graphs_html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
head, rest = page.split("<main>", 1)
graphs = rest[rest.index('<h2 id="graphs">'):]
open(sys.argv[2], "w", encoding="utf-8").write(head + "<main>\n" + graphs)
PY
  shoot "$graphs_html" "${out%.png}-graphs.png"
  check "${out%.png}-graphs.png" 1
fi
