"""What a run on a Dask cluster costs, against the same run in this process.

A synthetic set of 8 x 8 overlapping tiles (``--size`` pixels square, 4 bands, UInt16) is
matched (global and local, robust statistics) in-process and on a local cluster of 2 worker
processes (one thread each); each mode runs in a subprocess of its own so that peak memory
is its own. Prints wall time, peak resident memory of the client and of each worker, the
bytes of the results sent to the client per image (statistics and writing passes, pickled),
whether the outputs are the same bytes, and the time of the global solve for 10,000 images
(synthetic statistics, bench/bench_solve.py with a 100 x 100 grid).

The machine may be shared: run it more than once and compare.

usage: .venv/bin/python bench/dask_cluster.py [--size 1000] [--folder /tmp/sm-dask-bench]
"""
import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", ".build", "plugins")]

GRID = 8
BANDS = 4


def make_set(folder: str, size: int):
    """64 tiles of one smooth scene, each with its own gain and offset per band."""
    from osgeo import gdal, osr

    os.makedirs(folder, exist_ok=True)
    step = int(size * 0.9)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    rng = np.random.default_rng(0)
    paths = []
    for r in range(GRID):
        for c in range(GRID):
            path = os.path.join(folder, f"tile_{r}_{c}.tif")
            paths.append(path)
            if os.path.exists(path):
                continue
            y, x = np.mgrid[r * step:r * step + size, c * step:c * step + size].astype(float)
            gains, offsets = rng.uniform(0.8, 1.25, BANDS), rng.uniform(-200, 200, BANDS)
            ds = gdal.GetDriverByName("GTiff").Create(
                path, size, size, BANDS, gdal.GDT_UInt16, ["TILED=YES"])
            ds.SetGeoTransform((500000 + c * step * 10.0, 10.0, 0, 5000000 - r * step * 10.0,
                                0, -10.0))
            ds.SetProjection(srs.ExportToWkt())
            for b in range(BANDS):
                truth = (3000 + 800 * np.sin(x / (300 + 40 * b)) * np.cos(y / 410)
                         + 400 * np.sin((x + y) / 97))
                band = ds.GetRasterBand(b + 1)
                band.SetNoDataValue(0)
                band.WriteArray(np.clip(np.rint(gains[b] * truth + offsets[b]), 1, 65535)
                                .astype(np.uint16))
            ds = None
    return paths


def one_mode(mode: str, folder: str) -> dict:
    """Run match once (in this subprocess) and measure it."""
    from spectralmatch.core import Outputs, Streaming, run_match

    paths = sorted(p for p in (os.path.join(folder, n) for n in os.listdir(folder))
                   if p.endswith(".tif"))
    out = os.path.join(folder, "out_" + mode)
    found = {"mode": mode, "images": len(paths)}
    streaming = Streaming()
    cluster = client = None
    if mode == "cluster":
        import distributed
        from spectralmatch.core.io import cluster as dask_cluster

        start = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                           dashboard_address=None, silence_logs=50)
        client = distributed.Client(cluster)
        found["cluster_start_s"] = time.perf_counter() - start
        streaming = Streaming(scheduler=cluster.scheduler_address)
        sent = {}
        plain_map = dask_cluster.DaskCluster.map

        def counting_map(self, fn, items, feedback, label):
            for result in plain_map(self, fn, items, feedback, label):
                sent[label] = sent.get(label, 0) + len(pickle.dumps(result, protocol=5))
                yield result

        dask_cluster.DaskCluster.map = counting_map
    start = time.perf_counter()
    result = run_match(paths, Outputs(out), streaming=streaming)
    found["wall_s"] = time.perf_counter() - start
    found["client_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if client is not None:
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        found["worker_peak_mb"] = sorted(peaks.values())
        found["bytes_to_client_per_image"] = {k: v / len(paths) for k, v in sent.items()}
        client.close()
        cluster.close()
    found["outputs"] = result.outputs
    return found


def solve_time(images_side: int = 100) -> str:
    done = subprocess.run([sys.executable, os.path.join(HERE, "bench_solve.py"), "--rows",
                           str(images_side), "--cols", str(images_side)],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--folder", default="/tmp/sm-dask-bench")
    ap.add_argument("--mode", choices=["here", "cluster"])
    ap.add_argument("--solve-side", type=int, default=100,
                    help="images per side of the solve benchmark (0: skip it)")
    args = ap.parse_args()
    folder = os.path.join(args.folder, str(args.size))
    if args.mode:
        print(json.dumps(one_mode(args.mode, folder)))
        return
    make_set(folder, args.size)
    runs = {}
    for mode in ("here", "cluster"):
        done = subprocess.run([sys.executable, __file__, "--size", str(args.size), "--folder",
                               args.folder, "--mode", mode], capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr)
        runs[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    from spectralmatch.core.io.atomic import file_digest

    here, there = runs["here"], runs["cluster"]
    same = all(file_digest(a) == file_digest(b) for a, b in zip(here["outputs"], there["outputs"]))
    print(f"{here['images']} images of {args.size} x {args.size} x {BANDS} bands, match "
          "(global and local, robust), mosaic off")
    print(f"in-process: {here['wall_s']:.1f} s, peak memory {here['client_peak_mb']:.0f} MB")
    print(f"local:2    : {there['wall_s']:.1f} s (+ {there['cluster_start_s']:.1f} s to start "
          f"the cluster), client peak {there['client_peak_mb']:.0f} MB, workers' peaks "
          f"{', '.join(f'{m:.0f}' for m in there['worker_peak_mb'])} MB")
    print(f"ratio cluster / in-process wall: {there['wall_s'] / here['wall_s']:.2f}")
    print("bytes sent to the client per image: " + ", ".join(
        f"{k} {v / 1024:.1f} KiB" for k, v in there["bytes_to_client_per_image"].items()))
    print(f"outputs byte-identical: {same}")
    if args.solve_side:
        n = args.solve_side
        print(f"global solve, {n * n} images ({n} x {n} grid): {solve_time(n)}")


if __name__ == "__main__":
    main()
