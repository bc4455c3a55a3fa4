"""Promises of every run: cancel leaves nothing, masks are honoured, outputs are atomic."""
import numpy as np
import pytest
from osgeo import gdal

import synthetic as S
from synthetic import cancelling_after
from spectralmatch.core import Cancelled, Feedback, Outputs, Streaming, run_global, run_match
from synthetic import GAINS, OFFSETS


@pytest.mark.parametrize("calls", [1, 3, 8])
def test_cancel_mid_run_leaves_no_file(tmp_path, calls):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "tile_0_matched.tif").write_bytes(b"an older result")
    with pytest.raises(Cancelled):
        run_match(
            [t.path for t in tiles],
            Outputs(str(out)),
            streaming=Streaming(window=64),
            feedback=Feedback(is_canceled=cancelling_after(calls)),
        )
    # Nothing new, and the older file untouched.
    assert [p.name for p in out.iterdir()] == ["tile_0_matched.tif"]
    assert (out / "tile_0_matched.tif").read_bytes() == b"an older result"


def test_progress_runs_to_one(tmp_path):
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    seen = []
    run_match(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "out")),
        streaming=Streaming(window=64),
        feedback=Feedback(progress=seen.append),
    )
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) > 8


def test_processing_cancel_raises_and_writes_nothing(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:match",
                       {"INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out")},
                       feedback=feedback)
    assert "ancel" in str(err.value)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_mask_band_excludes_pixels_and_is_written(tmp_path):
    """An input whose validity is an internal mask band (no no-data value)."""
    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, nodata=None)
    masked = str(tmp_path / "masked.tif")
    ds = gdal.Translate(masked, tiles[1].path, creationOptions=["TILED=YES"])
    ds.CreateMaskBand(gdal.GMF_PER_DATASET)
    mask = np.full((ds.RasterYSize, ds.RasterXSize), 255, dtype=np.uint8)
    mask[:, :40] = 0  # inside the overlap with tile 0
    # Garbage under the mask: it must not count in any statistic.
    for b in range(ds.RasterCount):
        band = ds.GetRasterBand(b + 1)
        data = band.ReadAsArray()
        data[:, :40] = 60000
        band.WriteArray(data)
    ds.GetRasterBand(1).GetMaskBand().WriteArray(mask)
    ds = None
    paths = [tiles[0].path, masked, tiles[2].path, tiles[3].path]
    result = run_global(paths, Outputs(str(tmp_path / "out")))
    tiles[1].valid[:, :, :40] = False
    assert np.all(S.affine_error(tiles, result.outputs) < 0.01)
    out = gdal.Open(result.outputs[1])
    assert out.GetRasterBand(1).GetMaskFlags() == gdal.GMF_PER_DATASET
    np.testing.assert_array_equal(out.GetRasterBand(1).GetMaskBand().ReadAsArray(), mask)
