#!/usr/bin/env bash
# The main job on the sample data, as a user runs it from the command line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/output"
rm -rf "$out"
mkdir -p "$out"
inputs=()
for f in "$here"/data/*.tif; do inputs+=("INPUT=$f"); done
export QT_QPA_PLATFORM=offscreen
echo "demo: qgis_process.bin run spectralmatch:globalmatch on ${#inputs[@]} Landsat tiles"
qgis_process.bin run spectralmatch:globalmatch -- "${inputs[@]}" "OUTPUT=$out" \
  > "$out/qgis_process.log" 2>&1 || { cat "$out/qgis_process.log"; exit 1; }
grep -E "gain x offset" "$out/qgis_process.log" || true
"$here/../.venv/bin/python" "$here/measure.py" "inputs=$here/data/*.tif" "global=$out/*_global.tif"
echo "demo: outputs in $out:"
ls -1 "$out"/*.tif
