"""Issue 18's output formats and types together with 15b's values kept or refused (after
rebasing 18 onto 15b): every raster written takes the format asked, and the type asked wins
over the one kept for the input."""
import numpy as np
import pytest
from osgeo import gdal

import small_rasters as R
from spectralmatch.core import InputError, MosaicOptions, Outputs, run_global, run_mosaic
from spectralmatch.core.options import RasterFormat


def _with_scaling(paths):
    for path in paths:
        ds = gdal.Open(path, gdal.GA_Update)
        band = ds.GetRasterBand(1)
        band.SetScale(0.0001)
        band.SetOffset(-0.1)
        band.SetUnitType("reflectance")
        band = ds = None


def test_signed_bytes_stay_signed_as_a_cog_with_scale_and_offset(tmp_path):
    signed = ["PIXELTYPE=SIGNEDBYTE"] if not hasattr(gdal, "GDT_Int8") else []
    gdal_type = getattr(gdal, "GDT_Int8", gdal.GDT_Byte)
    paths = R.tiles(str(tmp_path / "in"), numpy_type=np.int8, gdal_type=gdal_type, base=0,
                    spread=30, nodata=-128, options=signed)
    _with_scaling(paths)
    result = run_global(paths, Outputs(str(tmp_path / "o"), raster=RasterFormat("COG")))
    for out in result.outputs:
        ds = gdal.Open(out)
        assert ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"
        band = ds.GetRasterBand(1)
        values = band.ReadAsArray()
        assert values.dtype == np.int8 and (values[values != -128] < 0).any()
        if signed:
            assert band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE"
        assert (band.GetScale(), band.GetOffset(), band.GetUnitType()) == \
            (0.0001, -0.1, "reflectance")
        band = ds = None


@pytest.mark.parametrize("data_type, expected", [(None, gdal.GDT_UInt16),
                                                 ("Float32", gdal.GDT_Float32)])
def test_the_mosaic_type_asked_wins_over_the_widened_one(tmp_path, data_type, expected):
    byte = R.tiles(str(tmp_path / "b"), n=1, numpy_type=np.uint8, gdal_type=gdal.GDT_Byte,
                   base=100, spread=20, prefix="byte")
    wide = R.tiles(str(tmp_path / "w"), n=2, base=1000, spread=300)[1]
    _with_scaling([byte[0], wide])
    raster = RasterFormat(data_type=data_type, overviews=True)
    result = run_mosaic([byte[0], wide], MosaicOptions(str(tmp_path / "m.tif"), raster=raster))
    ds = gdal.Open(result.outputs[0])
    band = ds.GetRasterBand(1)
    assert band.DataType == expected
    assert band.GetOverviewCount() > 0
    assert band.GetScale() == 0.0001 and band.GetUnitType() == "reflectance"
    assert ds.ReadAsArray().max() == R.read_band(wide).max()  # nothing clipped
    band = ds = None


def test_float32_asked_by_type_refuses_float64_beyond_its_range(tmp_path):
    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.float64, gdal_type=gdal.GDT_Float64, nodata=None,
                    base=1e39, spread=1e38)
    before = R.digests(folder)
    with pytest.raises(InputError, match="beyond the range of Float32"):
        run_global(paths, Outputs(str(tmp_path / "o"), raster=RasterFormat(data_type="Float32")))
    assert R.digests(folder) == before
