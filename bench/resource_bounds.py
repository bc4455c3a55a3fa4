"""Peak memory of the runs that used to blow up (issue 15, point 7), through qgis_process.bin.

Each case runs on the demo tiles (225 x 140 pixels of 30 m, UInt16) under ``/usr/bin/time -v``
and prints its exit code, wall time and peak resident memory (of qgis_process.bin, which
alone takes about 150 MB to start). Refused cases should stop at once, the others stay
within 500 MB.

    .venv/bin/python bench/resource_bounds.py WORK_FOLDER
"""
from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CASES = [
    ("match, defaults (for comparison)", "match", []),
    ("mosaic PIXEL_SIZE=0.001 (30 m data)", "mosaic", ["PIXEL_SIZE=0.001"]),
    ("mosaic PIXEL_SIZE=1e9", "mosaic", ["PIXEL_SIZE=1e9"]),
    ("mosaic PIXEL_SIZE=3 (100x the pixels)", "mosaic", ["PIXEL_SIZE=3"]),
    ("mosaic PIXEL_SIZE=1 (900x the pixels)", "mosaic", ["PIXEL_SIZE=1"]),
    ("match BLOCK_SIZE=10 (below the pixel size)", "match", ["BLOCK_SIZE=10"]),
    ("match BLOCKS=10000000", "match", ["BLOCKS=10000000"]),
    ("match BLOCK_SIZE=30 (1-pixel blocks, 92 000)", "match", ["BLOCK_SIZE=30"]),
    ("match THREADS=1000", "match", ["THREADS=1000"]),
]


def main(work: str) -> None:
    os.makedirs(work, exist_ok=True)
    plugins = tempfile.mkdtemp(prefix="spectralmatch-plugins-")
    os.symlink(ROOT, os.path.join(plugins, "spectralmatch"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=plugins,
               QGIS_CUSTOM_CONFIG_PATH=tempfile.mkdtemp(prefix="qgis-config-"),
               GDAL_PAM_ENABLED="NO")
    subprocess.run(["qgis_process.bin", "plugins", "enable", "spectralmatch"], env=env,
                   check=True, capture_output=True)
    demo = sorted(glob.glob(os.path.join(ROOT, "demo", "data", "*.tif")))
    print(f"{'case':45s} {'exit':>4s} {'seconds':>8s} {'peak MB':>8s}  message")
    for k, (name, algorithm, extra) in enumerate(CASES):
        out = os.path.join(work, f"case{k}")
        target = f"OUTPUT={out}.tif" if algorithm == "mosaic" else f"OUTPUT={out}"
        args = ["/usr/bin/time", "-v", "qgis_process.bin", "run", f"spectralmatch:{algorithm}",
                "--", *[f"INPUT={p}" for p in demo], target, *extra]
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)[1])
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr)[1]
        minutes, seconds = wall.split(":")[-2:]
        error = re.search(r"ERROR:\s*(.*)", proc.stdout + proc.stderr)
        note = [line for line in (proc.stdout + proc.stderr).splitlines() if "THREADS=" in line]
        message = error[1] if error else (note[0] if note else "ok")
        print(f"{name:45s} {proc.returncode:4d} {60 * int(minutes) + float(seconds):8.1f} "
              f"{peak / 1024:8.0f}  {message[:150]}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="resource-bounds-"))
