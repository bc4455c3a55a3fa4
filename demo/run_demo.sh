#!/usr/bin/env bash
# The main job on the sample data, as a user runs it from the command line:
# global and local matching of three overlapping Landsat tiles of three dates, and their
# seamless mosaic in the same run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="$here/../.venv/bin/python"
out="$here/output"
rm -rf "$out"
mkdir -p "$out"
inputs=()
for f in "$here"/data/*.tif; do inputs+=("INPUT=$f"); done
export QT_QPA_PLATFORM=offscreen
# qgis_process loads every raster parameter as a QGIS layer before it runs an algorithm, and
# QGIS then saves a histogram as <input>.aux.xml; this keeps the sample data folder clean.
export GDAL_PAM_ENABLED=NO
echo "demo: qgis_process.bin run spectralmatch:match on ${#inputs[@]} Landsat tiles (KEEP_GLOBAL=true, MOSAIC)"
qgis_process.bin run spectralmatch:match -- "${inputs[@]}" KEEP_GLOBAL=true "OUTPUT=$out" \
  "REPORT=$out/report.html" "MODEL_OUT=$out/model.json" \
  "MOSAIC=$out/mosaic.tif" "SEAMLINES_OUT=$out/seamlines.gpkg" \
  > "$out/qgis_process.log" 2>&1 || { cat "$out/qgis_process.log"; exit 1; }
grep -E "gain x offset|Local matching|Mean overlap disagreement|Mosaic of" "$out/qgis_process.log" || true
"$python" "$here/measure.py" "inputs=$here/data/*.tif" "global=$out/*_global.tif" \
  "global+local=$out/*_matched.tif"
"$python" "$here/render.py" "$out/mosaic_before_after.png" \
  "inputs=$here/data/*.tif" "global=$out/*_global.tif" "matched=$out/*_matched.tif"
echo "demo: log $out/qgis_process.log"
echo "demo: outputs in $out:"
ls -1 "$out"/*_matched.tif "$out/mosaic.tif"
