"""Values and metadata are kept, or the input is refused before anything is written (issue 15,
point 4): signed bytes, no-data and masks per band, scale/offset/unit, colour tables, complex
values, Float32 range, weights, mixed types in a mosaic, the seamline format.

Every case checks that the files in its folder (inputs and anything else) are unchanged and
that nothing else, no temporary either, is left there.
"""
import os

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException, QgsProcessingFeedback

import small_rasters as R
from spectralmatch.core import (Feedback, GlobalFit, InputError, MosaicOptions, Outputs,
                                run_global, run_match, run_mosaic)


def refused(folder, run, *expected):
    """``run`` raises with every ``expected`` text and "Fix:"; the folder is as it was."""
    before = R.digests(folder)
    with pytest.raises((InputError, QgsProcessingException)) as err:
        run()
    message = str(err.value)
    for text in expected + ("Fix:",):
        assert text in message, message
    assert R.digests(folder) == before
    return message


# -- kept -------------------------------------------------------------------------------------

def test_signed_bytes_are_written_signed_never_clipped_to_zero(tmp_path):
    signed = ["PIXELTYPE=SIGNEDBYTE"] if not hasattr(gdal, "GDT_Int8") else []
    gdal_type = getattr(gdal, "GDT_Int8", gdal.GDT_Byte)
    paths = R.tiles(str(tmp_path / "in"), numpy_type=np.int8, gdal_type=gdal_type, base=0,
                    spread=30, nodata=-128, options=signed)
    before = R.digests(str(tmp_path / "in"))
    result = run_global(paths, Outputs(str(tmp_path / "o")))
    for path, out in zip(paths, result.outputs):
        ds = gdal.Open(out)
        band = ds.GetRasterBand(1)
        assert band.ReadAsArray().dtype == np.int8
        assert band.GetNoDataValue() == -128
        if signed:
            assert band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE"
        values, original = band.ReadAsArray().astype(float), R.read_band(path).astype(float)
        valid = original != -128
        assert (values[valid] < 0).mean() > 0.3  # about half the texture is negative
        # the corrected tile is an affine map of the input: nothing folded at 0
        gain, offset = np.polyfit(original[valid], values[valid], 1)
        resid = values[valid] - (gain * original[valid] + offset)
        assert np.abs(resid).max() <= 1.0 + 1e-9
        band = ds = None
    assert R.digests(str(tmp_path / "in")) == before


def test_scale_offset_and_unit_are_carried_and_the_log_says_how(provider, tmp_path):
    import processing

    paths = R.tiles(str(tmp_path / "in"))
    for path in paths:
        ds = gdal.Open(path, gdal.GA_Update)
        for b in (1, 2):
            band = ds.GetRasterBand(b)
            band.SetScale(0.0001)
            band.SetOffset(-0.1)
            band.SetUnitType("reflectance")
        band = ds = None
    before = R.digests(str(tmp_path / "in"))
    feedback = QgsProcessingFeedback()
    result = processing.run("spectralmatch:globalmatch",
                            {"INPUT": paths, "OUTPUT": str(tmp_path / "o")}, feedback=feedback)
    assert "the correction works on the stored values" in feedback.textLog()
    for out in result["OUTPUT_LAYERS"]:
        ds = gdal.Open(out)
        for b in (1, 2):
            band = ds.GetRasterBand(b)
            assert (band.GetScale(), band.GetOffset(), band.GetUnitType()) == \
                (0.0001, -0.1, "reflectance")
        band = ds = None
    assert R.digests(str(tmp_path / "in")) == before


def test_infinite_pixels_are_no_data_with_the_share_and_copied_unchanged(tmp_path):
    def with_inf(k, values):
        values = values.copy()
        values[:, 4:8, 4:8] = np.inf  # 16 of 2304 pixels a band
        values[:, 20, 20] = -np.inf
        return values

    paths = R.tiles(str(tmp_path / "in"), numpy_type=np.float32, gdal_type=gdal.GDT_Float32,
                    nodata=None, edit=with_inf)
    warnings = []
    result = run_match(paths, Outputs(str(tmp_path / "o")),
                       feedback=Feedback(warning=warnings.append))
    assert any(paths[0] in w and "0.738% of its values (34) are +inf or -inf" in w
               for w in warnings), warnings
    assert not any("rescale" in w for w in warnings)
    for out in result.outputs:
        values = gdal.Open(out).ReadAsArray()
        assert np.isposinf(values[:, 4:8, 4:8]).all() and np.isneginf(values[:, 20, 20]).all()
        finite = np.isfinite(values)
        assert finite.sum() == values.size - 34
        assert np.abs(values[finite]).max() < 1e4  # the correction never saw an inf


def test_weights_that_only_scale_together_give_the_same_fit(tmp_path):
    paths = R.tiles(str(tmp_path / "in"))
    one = run_global(paths, Outputs(str(tmp_path / "a")))
    huge = run_global(paths, Outputs(str(tmp_path / "b")), GlobalFit(1e300, 1e300))
    np.testing.assert_allclose(huge.global_model.gains, one.global_model.gains, rtol=1e-9)


def test_a_mosaic_of_byte_and_uint16_is_uint16_and_nothing_is_clipped(tmp_path):
    byte = R.tiles(str(tmp_path / "b"), n=1, numpy_type=np.uint8, gdal_type=gdal.GDT_Byte,
                   base=100, spread=20, prefix="byte")
    wide = R.tiles(str(tmp_path / "w"), n=2, base=1000, spread=300)[1]
    before = R.digests(str(tmp_path))
    result = run_mosaic([byte[0], wide], MosaicOptions(str(tmp_path / "m.tif")))
    ds = gdal.Open(result.outputs[0])
    assert ds.GetRasterBand(1).DataType == gdal.GDT_UInt16
    values = ds.ReadAsArray()
    ds = None
    source = R.read_band(wide)
    assert values.max() > 255 and values.max() == source.max()
    after = R.digests(str(tmp_path))
    assert {k: after[k] for k in before} == before


# -- refused ----------------------------------------------------------------------------------

def _translate(src, dst, **options):
    gdal.Translate(dst, src, **options)
    return dst


def bad_kind(name, folder):
    """(inputs, the culprit) of a case that must be refused."""
    paths = R.tiles(folder)
    p = lambda n: os.path.join(folder, n)  # noqa: E731
    if name == "complex values":
        return [paths[0], _translate(paths[1], p("c.tif"), outputType=gdal.GDT_CFloat32)]
    if name == "a colour table":
        out = [_translate(x, p(f"b{k}.tif"), outputType=gdal.GDT_Byte, bandList=[1],
                          scaleParams=[[0, 3000, 0, 255]]) for k, x in enumerate(paths)]
        ds = gdal.Open(out[1], gdal.GA_Update)
        table = gdal.ColorTable()
        table.SetColorEntry(1, (255, 0, 0, 255))
        ds.GetRasterBand(1).SetColorTable(table)
        ds = None
        return out
    if name == "no-data per band":
        vrt = _translate(paths[1], p("v.vrt"), format="VRT")
        text = open(vrt).read().replace("<NoDataValue>0</NoDataValue>", "<NoDataValue>7</N"
                                        "oDataValue>", 1)
        open(vrt, "w").write(text)
        return [paths[0], vrt]
    if name == "masks per band":
        target = _translate(paths[1], p("m.tif"), noData="none")
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "NO")
        try:
            ds = gdal.Open(target, gdal.GA_Update)
            for b in (1, 2):
                ds.GetRasterBand(b).CreateMaskBand(0)  # 0: a mask of this band alone
                ds.GetRasterBand(b).GetMaskBand().Fill(255)
            ds = None
        finally:
            gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
        return [paths[0], target]
    if name == "different scale":
        ds = gdal.Open(paths[1], gdal.GA_Update)
        ds.GetRasterBand(1).SetScale(0.01)
        ds = None
        return paths
    raise ValueError(name)


KINDS = {"complex values": "complex values", "a colour table": "paletted or categorical",
         "no-data per band": "different no-data values", "masks per band": "masks of their own",
         "different scale": "scale, offset or unit"}


@pytest.mark.parametrize("name", list(KINDS))
def test_kinds_a_run_would_damage_are_refused(provider, tmp_path, name):
    import processing

    folder = str(tmp_path / "in")
    inputs = bad_kind(name, folder)
    refused(folder, lambda: run_global(inputs, Outputs(os.path.join(folder, "core"))),
            inputs[-1], KINDS[name])
    refused(folder, lambda: processing.run(
        "spectralmatch:globalmatch", {"INPUT": inputs, "OUTPUT": os.path.join(folder, "tb")}),
        inputs[-1], KINDS[name])


def test_float64_beyond_float32_is_refused_for_a_float32_output(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.float64, gdal_type=gdal.GDT_Float64, nodata=None,
                    base=1e39, spread=1e38)
    refused(folder, lambda: processing.run("spectralmatch:globalmatch", {
        "INPUT": paths, "OUTPUT": os.path.join(folder, "o"), "OUTPUT_TYPE": 1}),
        "beyond the range of Float32")


@pytest.mark.parametrize("weights", [(1e8, 1.0), (1.0, 1e-8), (1e300, 1.0)])
def test_weights_far_apart_are_refused(provider, tmp_path, weights):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    message = refused(folder, lambda: processing.run("spectralmatch:globalmatch", {
        "INPUT": paths, "OUTPUT": os.path.join(folder, "o"), "MEAN_WEIGHT": weights[0],
        "STD_WEIGHT": weights[1]}), "MEAN_WEIGHT", "more than 1e+06")
    assert "a band can become constant" in message


def test_seamlines_as_shapefile_are_refused_naming_gpkg(qgis_process, tmp_path):
    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    before = R.digests(folder)
    proc = qgis_process("run", "spectralmatch:mosaic", "--", *[f"INPUT={p}" for p in paths],
                        f"OUTPUT={folder}/m.tif", f"SEAMLINES_OUT={folder}/seams.shp")
    assert proc.returncode != 0
    assert "seams.shp: seamlines are written as a GeoPackage. Fix: give a path ending in " \
        ".gpkg" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    after = R.digests(folder)
    assert {k: v for k, v in after.items() if not k.endswith(".aux.xml")} == before


def test_values_a_correction_pushes_beyond_float32_are_clipped_with_the_share(tmp_path):
    """Inputs within Float32's range pass the check before the run; where the correction
    itself pushes values beyond it, the share clipped is named."""
    def scaled(k, values):
        values = 2e38 + 1e37 * (values - 1000.0) / 300.0  # about 2e38, within Float32
        if k == 1:
            values = 0.9 * values
            values[:, 10:14, 30:34] = 3.3e38  # outside the overlap, x 1/0.9 goes beyond
        return values

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.float64, gdal_type=gdal.GDT_Float64, nodata=None,
                    edit=scaled)
    before = R.digests(folder)
    warnings = []
    result = run_global(paths, Outputs(str(tmp_path / "o"), float32=True), reference=paths[0],
                        feedback=Feedback(warning=warnings.append))
    assert any(paths[1] in w and "0.694% of the corrected values (32) lie beyond the range of "
               "Float32" in w for w in warnings), warnings
    values = gdal.Open(result.outputs[1]).ReadAsArray()
    assert np.isfinite(values).all()
    assert (values[:, 10:14, 30:34] == np.finfo(np.float32).max).all()
    assert R.digests(folder) == before
