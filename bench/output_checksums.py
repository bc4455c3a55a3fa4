"""Checksums of every output of fixed runs, to show that a change of code changes no output.

Runs the algorithms through ``qgis_process.bin`` (the command line does not change when the
code behind it is reorganised) on the demo tiles and on two synthetic test sets, and prints
one line per output: the SHA-256 of its pixels (every band and mask, as GDAL reads them) or,
for the report and the model, of their JSON with the plugin version left out.

    .venv/bin/python bench/output_checksums.py WORK_FOLDER > checksums.txt

Run it before and after a change and ``diff`` the two lists.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal, ogr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, ".build", "plugins"), os.path.join(ROOT, "tests")]

import synthetic as S  # noqa: E402

gdal.UseExceptions()

TILTS = [(0.15, 0.3), (0.1, 2.0), None, (0.12, 4.0)]


def pixels_digest(path: str) -> str:
    ds = gdal.Open(path)
    h = hashlib.sha256()
    h.update(repr((ds.RasterXSize, ds.RasterYSize, ds.GetGeoTransform())).encode())
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        h.update(repr((band.DataType, band.GetNoDataValue())).encode())
        h.update(np.ascontiguousarray(band.ReadAsArray()).tobytes())
        h.update(np.ascontiguousarray(band.GetMaskBand().ReadAsArray()).tobytes())
    return h.hexdigest()


def json_digest(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data.pop("plugin_version", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def vector_digest(path: str) -> str:
    ds = ogr.Open(path)
    h = hashlib.sha256()
    for feature in ds.GetLayer(0):
        h.update(repr(sorted(feature.items().items())).encode())
        h.update(feature.GetGeometryRef().ExportToWkb())
    return h.hexdigest()


def qgis_process(env, algorithm: str, **params) -> None:
    args = ["qgis_process.bin", "run", f"spectralmatch:{algorithm}", "--"]
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            args.append(f"{key}={item}")
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        sys.exit(f"{algorithm} failed:\n{done.stdout}\n{done.stderr}")


def digests(folder: str):
    for path in sorted(glob.glob(os.path.join(folder, "**", "*"), recursive=True)):
        name = os.path.relpath(path, folder)
        if path.endswith((".tif", ".vrt")) and "_parts" not in name:
            yield name, pixels_digest(path)
        elif path.endswith(".json"):
            yield name, json_digest(path)
        elif path.endswith(".gpkg"):
            yield name, vector_digest(path)


def main(work: str) -> None:
    os.makedirs(work, exist_ok=True)
    plugins = os.path.join(ROOT, ".build", "plugins")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=plugins,
               GDAL_PAM_ENABLED="NO")
    # Inputs: made once, kept for the run after the change.
    sets = os.path.join(work, "inputs")
    if not os.path.isdir(sets):
        os.makedirs(os.path.join(sets, "tilted"))
        os.makedirs(os.path.join(sets, "cloudy"))
        S.make_set(os.path.join(sets, "tilted"), S.GAINS, S.OFFSETS, fields=TILTS,
                   holes=[None, (0, 0, 40, 60), None, None])
        cloudy = S.make_set(os.path.join(sets, "cloudy"), S.GAINS, S.OFFSETS, grid=(2, 2))
        S.paste_clouds(cloudy, [1, 3], [(150, 160), (170, 120), (120, 200)])
    out = os.path.join(work, "outputs")
    if os.path.isdir(out):
        import shutil

        shutil.rmtree(out)
    demo = sorted(glob.glob(os.path.join(ROOT, "demo", "data", "*.tif")))
    tilted = sorted(glob.glob(os.path.join(sets, "tilted", "*.tif")))
    cloudy = sorted(glob.glob(os.path.join(sets, "cloudy", "*.tif")))
    d = os.path.join(out, "demo")
    qgis_process(env, "match", INPUT=demo, KEEP_GLOBAL="true", OUTPUT=d,
                 REPORT=os.path.join(d, "report.html"), MODEL_OUT=os.path.join(d, "model.json"),
                 MOSAIC=os.path.join(d, "mosaic.tif"),
                 SEAMLINES_OUT=os.path.join(d, "seamlines.gpkg"))
    t = os.path.join(out, "tilted")
    qgis_process(env, "globalmatch", INPUT=tilted, OUTPUT=os.path.join(t, "global"),
                 MODEL_OUT=os.path.join(t, "global.json"))
    qgis_process(env, "localmatch", INPUT=tilted, OUTPUT=os.path.join(t, "local"),
                 METHOD=0, REFERENCE=tilted[0], MODEL_OUT=os.path.join(t, "local.json"))
    qgis_process(env, "applymodel", INPUT=tilted, MODEL=os.path.join(t, "local.json"),
                 OUTPUT=os.path.join(t, "applied"))
    qgis_process(env, "match", INPUT=tilted, OUTPUT=os.path.join(t, "offset"), METHOD=2,
                 ROBUST="false", OUTPUT_TYPE=1, BLOCKS=50)
    c = os.path.join(out, "cloudy")
    qgis_process(env, "match", INPUT=cloudy, OUTPUT=os.path.join(c, "match"),
                 MOSAIC=os.path.join(c, "mosaic.vrt"))
    qgis_process(env, "mosaic", INPUT=cloudy, OUTPUT=os.path.join(c, "feathered.tif"),
                 FEATHER=90, SEAMLINES=1, SEAMLINES_OUT=os.path.join(c, "seams.gpkg"))
    for name, digest in digests(out):
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/spectralmatch-checksums")
