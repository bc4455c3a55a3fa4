"""Where the time of a match run goes: reads, statistics, solve, correction, type conversion,
compression and writes.

Runs ``run_match`` in this process on a set of rasters (e.g. the bench set kept by
``bench_match.py --keep DIR``, in DIR/inputs) with timers around the stages, once with the
default creation options and once uncompressed; compression is the difference of the two
runs' writing time. Stage times are wall seconds of the run's main thread; the per-window
work (reads, correction, conversion) is summed over the worker threads, so it can exceed its
stage's wall time on several cores. Not a test: numbers vary with the machine and its load.

usage: .venv/bin/python bench/time_split.py DIR/inputs [--threads N]
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".build", "plugins"))

from osgeo import gdal  # noqa: E402

import spectralmatch.core as core  # noqa: E402
import spectralmatch.core.io.geotiff as G  # noqa: E402
import spectralmatch.core.io.rasters as R  # noqa: E402
import spectralmatch.core.io.writer as W  # noqa: E402
import spectralmatch.core.runs.matching as M  # noqa: E402
from spectralmatch.core.options import Outputs, RasterFormat, Streaming  # noqa: E402

TIMES: dict = collections.defaultdict(float)
STAGE = {"now": "setup"}
LOCK = threading.Lock()


def timed(owner, name: str, label: str, stage: str = "") -> None:
    """Wrap ``owner.name`` so that its time adds to ``label`` (``{stage}``: the stage now)."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        previous = STAGE["now"]
        if stage:
            STAGE["now"] = stage
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            with LOCK:
                TIMES[label.format(stage=STAGE["now"])] += time.perf_counter() - start
            STAGE["now"] = previous

    setattr(owner, name, wrapper)


def correction_timer(correct):
    def wrapper(*args):
        start = time.perf_counter()
        try:
            return correct(*args)
        finally:
            with LOCK:
                TIMES["correction (thread sum)"] += time.perf_counter() - start
    return wrapper


def instrument() -> None:
    timed(M, "gather_statistics", "statistics pass (wall, with its reads)", "statistics")
    timed(M, "fit_global", "solve (wall)", "solve")
    timed(M, "fit_local", "solve (wall)", "solve")
    timed(M, "write_outputs", "writing (wall)", "writing")
    timed(R, "_read_window", "reads in {stage} (thread sum)")
    timed(W, "to_output_type", "type conversion (thread sum)")
    timed(gdal.Band, "WriteArray", "GDAL WriteArray: encode + write (main thread)")
    timed(G.OutputRaster, "finish", "flush, overviews or COG (main thread)")
    write_image = W.write_image

    def write_image_timed(info, targets, *args, **kwargs):
        targets = [(raster, correction_timer(correct)) for raster, correct in targets]
        return write_image(info, targets, *args, **kwargs)

    W.write_image = write_image_timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", help="folder of the input GeoTIFFs")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    inputs = sorted(glob.glob(os.path.join(args.inputs, "*.tif")))
    instrument()
    runs = {}
    for label, options in (("default", ()), ("uncompressed", ("COMPRESS=NONE",))):
        TIMES.clear()
        out = tempfile.mkdtemp(prefix="sm-split-")
        start = time.perf_counter()
        core.run_match(inputs, Outputs(out, raster=RasterFormat(creation_options=options)),
                       streaming=Streaming(threads=args.threads or None))
        TIMES["total (wall)"] = time.perf_counter() - start
        shutil.rmtree(out, ignore_errors=True)
        runs[label] = dict(TIMES)
    keys = sorted({k for r in runs.values() for k in r}, key=lambda k: (k.startswith("total"), k))
    print(f"{'stage':<48}{'default s':>11}{'uncompressed s':>16}")
    for key in keys:
        print(f"{key:<48}" + "".join(f"{runs[r].get(key, 0.0):>{w}.2f}"
                                     for r, w in (("default", 11), ("uncompressed", 16))))
    compression = runs["default"]["writing (wall)"] - runs["uncompressed"]["writing (wall)"]
    print(f"compression (writing default - uncompressed): {compression:.2f} s")


if __name__ == "__main__":
    main()
