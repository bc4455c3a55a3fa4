"""Bounds on resources (issue 15, point 7): grids, blocks and windows that would take
gigabytes are refused before any pixel is read, with the figures and the fix; windows never
grow with a seam cell or a tile; THREADS never exceeds the cores.

Peak memory of the cases that blew up, after the fix: bench/resource_bounds.py.
"""
import os
import time

import pytest
from qgis.core import QgsProcessingFeedback

import small_rasters as R
from spectralmatch.core import InputError, LocalFit, Outputs, run_match
from spectralmatch.core.io.windows import MAX_WINDOW, bounded_window, window_size
from spectralmatch.core.mosaic.cells import cell_window


def no_trace(proc):
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("size, expected", [
    ("0.001", ["Pixel size 0.001 makes a common grid of 2160000 x 1440000 pixels (3.11e+12 "
               "pixels), more than the 1e+10 a run takes on.", "Fix: give a pixel size of at "
               "least 0.0176 map units"]),
    ("1e9", ["Pixel size 1e+09", "t0.tif, which spans 1440 x 1440 map units: it would be less "
             "than one pixel. Fix: give a pixel size below 1440"]),
])
def test_mosaic_pixel_sizes_out_of_bounds_are_refused_at_once(qgis_process, tmp_path, size,
                                                              expected):
    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    before = R.digests(folder)
    start = time.perf_counter()
    proc = qgis_process("run", "spectralmatch:mosaic", "--", *[f"INPUT={p}" for p in paths],
                        f"OUTPUT={folder}/m.tif", f"PIXEL_SIZE={size}")
    assert time.perf_counter() - start < 60  # refused before any work (qgis_process start-up)
    text = no_trace(proc)
    for part in expected:
        assert part in text, text
    after = R.digests(folder)
    # qgis_process itself may leave its layer histograms (<input>.aux.xml, see the README)
    assert {k: v for k, v in after.items() if not k.endswith(".aux.xml")} == before


@pytest.mark.parametrize("params, expected", [
    ({"BLOCK_SIZE": 10.0}, "BLOCK_SIZE 10 map units makes blocks of 0.333 pixels a side on "
     "the common grid (30 map units a pixel): blocks smaller than a pixel make the local "
     "correction copy one image's pixels into the others. Fix: BLOCK_SIZE of at least 30 map "
     "units, or BLOCKS of at most 2304 per image."),
    ({"BLOCKS": 10_000_000}, "BLOCKS 1e+07 per image makes blocks of 0.0152 pixels"),
])
def test_blocks_below_a_pixel_are_refused(provider, tmp_path, params, expected):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    before = R.digests(folder)
    with pytest.raises(Exception) as err:
        processing.run("spectralmatch:match", {"INPUT": paths, "OUTPUT": f"{folder}/o", **params})
    assert expected in str(err.value)
    assert R.digests(folder) == before


def test_too_many_blocks_are_refused_with_the_figures(tmp_path, monkeypatch):
    # 250 000 blocks need a large grid; the same rule on the small one, with its limit lowered
    from spectralmatch.core.grid import blocks

    monkeypatch.setattr(blocks, "MAX_BLOCKS", 100)
    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    before = R.digests(folder)
    with pytest.raises(InputError) as err:
        run_match(paths, Outputs(f"{folder}/o"), local_fit=LocalFit(block_size=60.0))
    assert ("BLOCK_SIZE 60 map units makes 36 x 24 = 864 blocks of 2 pixels on the 72 x 48 "
            "pixel common grid, more than the 100 a run holds in memory. Fix: BLOCK_SIZE of "
            "at least 180 map units, or BLOCKS of at most 64 per image.") in str(err.value)
    assert R.digests(folder) == before


def test_threads_are_capped_at_the_cores_and_the_log_says_so(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    feedback = QgsProcessingFeedback()
    processing.run("spectralmatch:globalmatch",
                   {"INPUT": paths, "OUTPUT": f"{folder}/o", "THREADS": 1000}, feedback=feedback)
    cores = os.cpu_count()
    assert (f"THREADS=1000 is more than the {cores} cores of this machine; {cores} threads "
            "are used.") in feedback.textLog()


def test_windows_never_grow_with_tiles_cells_or_requests():
    assert window_size([(100_000, 100_000)]) == MAX_WINDOW  # one huge tile
    assert bounded_window(10**9) == MAX_WINDOW
    assert cell_window(5000, 512) == 512  # a seam cell of a very fine mosaic grid
    assert cell_window(100, 512) == 500  # whole cells where they fit
    assert cell_window(7, 10**6) == (MAX_WINDOW // 7) * 7
