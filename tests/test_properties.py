"""Property-based: small random overlapping rasters never crash the run or break its promises.

Random sizes, positions, data types, no-data masks and 2-5 images: the run either succeeds or
stops with an InputError that names the fix; outputs never hold NaN, nor the no-data value
where the input was valid; inputs are unchanged.
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osgeo import gdal

import synthetic as S
from spectralmatch.core import InputError, Outputs, run_match

TYPES = {"Byte": (gdal.GDT_Byte, 0, 255), "UInt16": (gdal.GDT_UInt16, 0, 65535),
         "Int16": (gdal.GDT_Int16, -32768, 32767), "Float32": (gdal.GDT_Float32, -1e4, 1e4)}


@st.composite
def raster_sets(draw):
    n = draw(st.integers(2, 5))
    kind = draw(st.sampled_from(sorted(TYPES)))
    nodata = draw(st.sampled_from([None, "low", "mid"]))
    seed = draw(st.integers(0, 2**31 - 1))
    images = []
    for _ in range(n):
        images.append((draw(st.integers(8, 48)), draw(st.integers(8, 48)),
                       draw(st.integers(0, 30)), draw(st.integers(0, 30)),
                       draw(st.floats(0.0, 0.4))))
    return kind, nodata, seed, images


# What a refusal of a random set may rightly say: the images do not overlap enough.
REFUSALS = ("No two of the inputs overlap", "hold no valid pixel", "has no valid pixel")


def test_random_sets_keep_every_promise(tmp_path_factory):
    outcomes = []

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(case=raster_sets())
    def check(case):
        outcomes.append(_run_case(tmp_path_factory, case))

    check()
    # Most random sets overlap: the promises are checked on real runs, not only refusals.
    assert outcomes.count("matched") >= len(outcomes) // 2, outcomes


def _run_case(tmp_path_factory, case) -> str:
    kind, nodata_kind, seed, images = case
    gdal_type, lo, hi = TYPES[kind]
    rng = np.random.default_rng(seed)
    folder = tmp_path_factory.mktemp("prop")
    nodata = None if nodata_kind is None else (lo if nodata_kind == "low" else (lo + hi) // 2)
    ground = rng.normal(0.5, 0.15, (2, 90, 90))
    paths, valid = [], []
    for k, (h, w, row, col, hole) in enumerate(images):
        gain, offset = rng.uniform(0.5, 1.5), rng.uniform(-0.1, 0.1)
        data = lo + (hi - lo) * np.clip(gain * ground[:, row:row + h, col:col + w] + offset,
                                        0, 1)
        if gdal_type != gdal.GDT_Float32:
            data = np.rint(data)
        ok = rng.random((h, w)) >= hole
        if nodata is not None:
            data[:, ~ok] = nodata
            ok &= (data != nodata).all(axis=0)
        elif gdal_type == gdal.GDT_Float32:
            data[:, ~ok] = np.nan
        else:
            ok[:] = True
        path = str(folder / f"r{k}.tif")
        S.write_raster(path, data, (col * 10.0, 10.0, 0, -row * 10.0, 0, -10.0),
                       _utm(), gdal_type, nodata)
        paths.append(path)
        valid.append(ok)
    digests = [S.file_digest(p) for p in paths]
    try:
        result = run_match(paths, Outputs(str(folder / "out")))
    except InputError as exc:
        assert "Fix:" in str(exc) and any(reason in str(exc) for reason in REFUSALS), exc
        assert not os.path.isdir(folder / "out") or not os.listdir(folder / "out")
        outcome = "refused"
    else:
        for path, ok in zip(result.outputs, valid):
            ds = gdal.Open(path)
            out = ds.ReadAsArray().astype(np.float64)
            assert not np.isnan(out[:, ok]).any()
            if nodata is not None:
                assert not (out[:, ok] == nodata).any()
        outcome = "matched"
    assert [S.file_digest(p) for p in paths] == digests
    return outcome


def _utm():
    srs = gdal.osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    return srs.ExportToWkt()
