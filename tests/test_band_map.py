"""Multi-sensor sets (issue 21): inputs whose bands differ, matched band by corresponding band.

The set is a strip of four overlapping tiles cut from an 11-band Landsat 8 scene. Tiles of the
"Landsat" sensor keep all 11 bands; tiles of a 4-band "sensor" keep Landsat bands 2-5 (blue,
green, red, NIR) in another order (NIR, red, green, blue). Every tile is distorted with a
known gain and offset per Landsat band. Strip order L S L L: tile 0's extra bands overlap no
other Landsat tile (they must come out unchanged); tiles 2 and 3 share theirs (matched among
themselves).
"""
import json
import os

import numpy as np
import pytest
from osgeo import gdal

import synthetic as S
from spectralmatch.core import (Feedback, InputError, LocalFit, MosaicOptions, Outputs,
                                apply_model, parse_band_map, run_global, run_local, run_match)

gdal.UseExceptions()

SCENE11 = S.SCENE11
LANDSAT = tuple(range(1, 12))
SMALL = (5, 4, 3, 2)  # the 4-band sensor's bands, as Landsat band numbers: NIR, R, G, B
COMMON = (2, 3, 4, 5)
EXTRAS = (1, 6, 7, 8, 9, 10, 11)
# Landsat 8 OLI/TIRS centre wavelengths (um), USGS Landsat 8-9 Data Users Handbook.
WAVELENGTHS = {1: 0.443, 2: 0.482, 3: 0.561, 4: 0.655, 5: 0.865, 6: 1.609, 7: 2.201,
               8: 0.590, 9: 1.373, 10: 10.895, 11: 12.005}
NAMES = {2: "Blue", 3: "Green", 4: "Red", 5: "NIR"}
# Per tile and Landsat band: the distortion (tile 0 is the truth itself).
_rng = np.random.default_rng(21)
GAINS = np.vstack([np.ones(11), _rng.uniform(0.85, 1.15, (3, 11))])
OFFSETS = np.vstack([np.zeros(11), _rng.uniform(-300, 300, (3, 11))])


def make_mixed_set(folder, kinds="LSLL", metadata=(None, None, None, None)):
    """Tiles of sensor L (11 bands) or S (4 bands, another order); ``metadata`` per tile:
    "wavelength" (IMAGERY CENTRAL_WAVELENGTH_UM), "names" (band descriptions) or None.
    Returns per tile (path, Landsat band numbers of its bands, truth, row, col)."""
    ds = gdal.Open(SCENE11)
    scene = ds.ReadAsArray().astype(np.float64)
    gt, crs = ds.GetGeoTransform(), ds.GetProjection()
    windows = S.tile_windows(scene.shape[1], scene.shape[2], grid=(1, len(kinds)), overlap=0.3)
    tiles = []
    for k, ((r, c, h, w), kind) in enumerate(zip(windows, kinds)):
        bands = LANDSAT if kind == "L" else SMALL
        at = [b - 1 for b in bands]
        truth = scene[at, r:r + h, c:c + w]
        data = GAINS[k][at][:, None, None] * truth + OFFSETS[k][at][:, None, None]
        path = os.path.join(folder, f"{kind.lower()}tile_{k}.tif")
        tgt = (gt[0] + c * gt[1], gt[1], 0.0, gt[3] + r * gt[5], 0.0, gt[5])
        S.write_raster(path, np.rint(data).astype(np.uint16), tgt, crs, gdal.GDT_UInt16, 0)
        out = gdal.Open(path, gdal.GA_Update)
        for n, b in enumerate(bands):
            band = out.GetRasterBand(n + 1)
            if metadata[k] == "wavelength":
                band.SetMetadataItem("CENTRAL_WAVELENGTH_UM", str(WAVELENGTHS[b]), "IMAGERY")
            elif metadata[k] == "names" and b in NAMES:
                band.SetDescription(NAMES[b])
            elif metadata[k] is None:
                band.SetDescription(f"layer {n + 1}")  # kept by the outputs, says nothing
        out = None
        tiles.append((path, bands, truth, r, c))
    return tiles


def band_map_text(tiles):
    return "\n".join(f"{os.path.splitext(os.path.basename(p))[0]}: "
                     + ",".join(str(bands.index(b) + 1) for b in COMMON)
                     for p, bands, *_ in tiles)


def affine_error(tiles, outputs, landsat_band, which=None):
    """As synthetic.affine_error, for one Landsat band over the tiles that have it."""
    t_all, y_all = [], []
    for k, ((_, bands, truth, _, _), out) in enumerate(zip(tiles, outputs)):
        if landsat_band not in bands or (which is not None and k not in which):
            continue
        n = bands.index(landsat_band)
        values, valid = S.read(out)
        t_all.append(truth[n][valid[n]])
        y_all.append(values[n][valid[n]])
    t, y = np.concatenate(t_all), np.concatenate(y_all)
    design = np.column_stack([t, np.ones_like(t)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return np.sqrt(np.mean(resid**2)) / abs(coef[0]) / t.std()


def run(fn, tiles, out, **kw):
    messages = []
    fb = Feedback(info=messages.append, warning=messages.append)
    result = fn([t[0] for t in tiles], Outputs(str(out), **kw.pop("outputs", {})),
                feedback=fb, **kw)
    return result, messages


def test_band_map_common_bands_as_good_as_one_sensor(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL", ("wavelength", None, "wavelength", None))
    band_map = parse_band_map(band_map_text(tiles))
    assert band_map["stile_1"] == (4, 3, 2, 1)
    result, messages = run(run_global, tiles, tmp_path / "out", band_map=band_map)
    # The single-sensor tolerance of test_global_core (UInt16: exact up to rounding).
    errors = {b: affine_error(tiles, result.outputs, b) for b in COMMON}
    before = {b: affine_error(tiles, [t[0] for t in tiles], b) for b in COMMON}
    assert all(e < 0.01 for e in errors.values()), errors
    assert all(errors[b] < before[b] / 20 for b in COMMON), (errors, before)
    assert any("common bands" in m and "stile_1.tif: 4,3,2,1" in m for m in messages)
    # Tile 0's extra bands overlap no other Landsat tile: written exactly as they were.
    data_in, _ = S.read(tiles[0][0])
    data_out, _ = S.read(result.outputs[0])
    for b in EXTRAS:
        np.testing.assert_array_equal(data_out[b - 1], data_in[b - 1])
    # Tiles 2 and 3 share theirs: matched between them (cirrus, nearly constant at std
    # 11 DN, is left out: rounding to whole DN alone is 3% of it).
    for b in (1, 6, 7, 8, 10, 11):
        assert affine_error(tiles, result.outputs, b, which=(2, 3)) < 0.01, b
        assert affine_error(tiles, [t[0] for t in tiles], b, which=(2, 3)) > 0.02, b
    # Outputs keep each input's bands, order, type and descriptions.
    for (path, bands, *_), out in zip(tiles, result.outputs):
        src, dst = gdal.Open(path), gdal.Open(out)
        assert dst.RasterCount == src.RasterCount == len(bands)
        for n in range(1, src.RasterCount + 1):
            assert dst.GetRasterBand(n).DataType == gdal.GDT_UInt16
            assert dst.GetRasterBand(n).GetDescription() == \
                src.GetRasterBand(n).GetDescription()
    assert result.band_plan.source == "BAND_MAP"
    assert result.band_plan.unmatched[0] == EXTRAS


def test_common_bands_exactly_as_good_as_one_sensor(tmp_path):
    """The same tiles all of the 4-band sensor (a single-sensor set, no plan needed) and
    mixed: the common bands come out with the same error, to the last digit."""
    errors = {}
    for kinds in ("SSSS", "LSLL"):
        folder = tmp_path / kinds
        folder.mkdir()
        tiles = make_mixed_set(str(folder), kinds)
        band_map = parse_band_map(band_map_text(tiles)) if kinds == "LSLL" else None
        result, _ = run(run_global, tiles, folder / "out", band_map=band_map)
        errors[kinds] = np.array([affine_error(tiles, result.outputs, b) for b in COMMON])
        assert result.band_plan.source == ("BAND_MAP" if band_map else "band position")
    assert np.all(errors["SSSS"] < 0.01)
    np.testing.assert_allclose(errors["LSLL"], errors["SSSS"], rtol=1e-6)


def test_metadata_alone_gives_the_correspondence(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL", ("wavelength", "names", "wavelength",
                                                   "wavelength"))
    result, messages = run(run_global, tiles, tmp_path / "out")
    assert result.band_plan.source == "band metadata"
    common = result.band_plan.common
    assert common.bands_of(1) == (4, 3, 2, 1)  # blue, green, red, NIR of the S tile
    assert all(affine_error(tiles, result.outputs, b) < 0.01 for b in COMMON)
    assert any("Bands: common bands (0.482 um, 0.561 um, 0.655 um, 0.865 um)" in m
               for m in messages)


def test_match_report_model_and_apply(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL", ("wavelength", None, None, "wavelength"))
    model, report = tmp_path / "model.json", tmp_path / "report.html"
    result, _ = run(run_match, tiles, tmp_path / "out", band_map=parse_band_map(
        band_map_text(tiles)), local_fit=LocalFit(blocks_per_image=16),
        outputs={"model_out": str(model), "report": str(report)})
    saved = json.loads(model.read_text())
    assert saved["format"] == "spectralmatch-model/4"
    assert saved["band_plan"]["groups"][0]["bands"][1] == [4, 3, 2, 1]
    assert len(saved["groups"]) == 1 and saved["band_plan"]["groups"][1]["images"] == [2, 3]
    numbers = json.loads((tmp_path / "report.json").read_text())
    assert numbers["bands"] == 4 and numbers["band_plan"]["source"] == "BAND_MAP"
    assert numbers["summary"]["after"]["mean"] < numbers["summary"]["before"]["mean"] / 5
    assert "Corresponding bands" in report.read_text()
    # Applying the model reproduces the run bit for bit, every band of every input.
    applied = apply_model(str(model), [t[0] for t in tiles], Outputs(str(tmp_path / "again")))
    for a, b in zip(result.outputs, applied.outputs):
        np.testing.assert_array_equal(S.read(a)[0], S.read(b)[0])
    # Tile 0's extra bands stay as they were after the local step too.
    np.testing.assert_array_equal(S.read(result.outputs[0])[0][[b - 1 for b in EXTRAS]],
                                  S.read(tiles[0][0])[0][[b - 1 for b in EXTRAS]])


def test_local_alone_and_mosaic_refused(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL", ("wavelength", "names", "wavelength",
                                                   "wavelength"))
    result, _ = run(run_local, tiles, tmp_path / "local", fit=LocalFit(blocks_per_image=16))
    assert [gdal.Open(p).RasterCount for p in result.outputs] == [11, 4, 11, 11]
    with pytest.raises(InputError, match="mosaic needs the same bands"):
        run(run_match, tiles, tmp_path / "m", mosaic=MosaicOptions(str(tmp_path / "m.tif")))


def test_differing_bands_without_map_or_metadata_refused(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL")
    with pytest.raises(InputError, match="BAND_MAP") as err:
        run(run_global, tiles, tmp_path / "out")
    assert "stile_1.tif" in str(err.value) and "has 4 bands" in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("change, expected", [
    (lambda m: {**m, "nosuch": (1, 2, 3, 4)}, "names 'nosuch', which is not among"),
    (lambda m: {**m, "stile_1": (4, 3, 2, 7)}, "stile_1.tif: BAND_MAP gives band 7, "
                                                   "but its data bands are 1-4"),
    (lambda m: {**m, "ltile_2": (2, 3, 3, 5)}, "ltile_2.tif: BAND_MAP gives band\\(s\\) 3 "
                                               "more than once"),
    (lambda m: {k: v for k, v in m.items() if k != "ltile_3"}, "ltile_3.tif: BAND_MAP has "
                                                                "no line for this input"),
    (lambda m: {**m, "ltile_0": (2, 3, 4)}, "ltile_0.tif: BAND_MAP gives 3 band"),
])
def test_bad_band_map_refused_before_any_pixel(tmp_path, change, expected):
    tiles = make_mixed_set(str(tmp_path), "LSLL")
    band_map = change(parse_band_map(band_map_text(tiles)))
    # Refused from the headers, before the statistics pass: not even the folder is created.
    with pytest.raises(InputError, match=expected) as err:
        run(run_global, tiles, tmp_path / "out", band_map=band_map)
    assert "Fix:" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_parse_band_map_syntax():
    assert parse_band_map("a.tif: 2,3,4\n b : 1 2 3 \n\n# note") == {"a.tif": (2, 3, 4),
                                                                     "b": (1, 2, 3)}
    assert parse_band_map("  ") is None
    for text, expected in (("a.tif 2,3", "names no input"), ("a: 2,x", "not a list"),
                           ("a: ", "no band number"), ("a: 1\na: 2", "two lines")):
        with pytest.raises(InputError, match=expected):
            parse_band_map(text)


@pytest.mark.parametrize("algorithm", ["match", "globalmatch", "localmatch"])
def test_algorithms_declare_band_map(provider, algorithm):
    from qgis.core import QgsApplication, QgsProcessingParameterDefinition

    alg = QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{algorithm}")
    param = alg.parameterDefinition("BAND_MAP")
    assert param is not None and param.type() == "string"
    assert param.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert param.flags() & QgsProcessingParameterDefinition.FlagOptional


def test_processing_run_with_band_map(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    tiles = make_mixed_set(str(tmp_path), "LSLL", ("wavelength", None, "wavelength", None))
    digests = [S.file_digest(t[0]) for t in tiles]
    result = processing.run("spectralmatch:globalmatch", {
        "INPUT": [t[0] for t in tiles], "BAND_MAP": band_map_text(tiles),
        "OUTPUT": str(tmp_path / "out")})
    outputs = result["OUTPUT_LAYERS"]
    assert all(affine_error(tiles, outputs, b) < 0.01 for b in COMMON)
    assert [gdal.Open(p).RasterCount for p in outputs] == [11, 4, 11, 11]
    assert [S.file_digest(t[0]) for t in tiles] == digests
    with pytest.raises(QgsProcessingException, match="stile_1.tif: BAND_MAP gives band 9"):
        processing.run("spectralmatch:match", {
            "INPUT": [t[0] for t in tiles], "OUTPUT": str(tmp_path / "bad"),
            "BAND_MAP": band_map_text(tiles).replace("stile_1: 4,3,2,1", "stile_1: 4,3,2,9")})
    with pytest.raises(QgsProcessingException, match="BAND_MAP"):  # differing, no map
        processing.run("spectralmatch:globalmatch", {
            "INPUT": [tiles[0][0], tiles[1][0]], "OUTPUT": str(tmp_path / "none")})


def test_qgis_process_with_band_map(qgis_process, tmp_path):
    tiles = make_mixed_set(str(tmp_path), "LSLL", (None, "wavelength", None, None))
    out = tmp_path / "cli"
    # Lines separated by ";" on one command line (a newline works as well).
    band_map = "; ".join(band_map_text(tiles).splitlines())
    args = ["run", "spectralmatch:match", "--"] + [f"INPUT={t[0]}" for t in tiles]
    proc = qgis_process(*args, f"BAND_MAP={band_map}", "BLOCKS=16", f"OUTPUT={out}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "stile_1.tif: 4,3,2,1" in proc.stdout
    outputs = [str(out / f"{os.path.splitext(os.path.basename(t[0]))[0]}_matched.tif")
               for t in tiles]
    assert [gdal.Open(p).RasterCount for p in outputs] == [11, 4, 11, 11]
    assert max(affine_error(tiles, outputs, b) for b in COMMON) < 0.03  # global + local
    bad = qgis_process(*args, "BAND_MAP=ltile_0: 2,3,4,5", f"OUTPUT={tmp_path / 'bad'}")
    assert bad.returncode != 0
    assert "stile_1.tif: BAND_MAP has no line for this input" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr


def _described(bands, path="x.tif"):
    from spectralmatch.core.io.rasters import RasterInfo

    return RasterInfo(path, 10, 10, len(bands), (0, 1, 0, 0, 0, -1), "", 2,
                      (None,) * len(bands), (1,) * len(bands), (10, 10), tuple(bands))


def test_wavelengths_pair_mutual_nearest_within_tolerance():
    from spectralmatch.core.grid.band_plan import _plan_from_spectra
    from spectralmatch.core.io.band_metadata import wavelength_of_name

    landsat = [(WAVELENGTHS[b], None) for b in LANDSAT]
    # Sentinel-2 B2, B3, B4, B8 (NIR, wide), B11, B12 (ESA S2 MSI centre wavelengths, FWHM).
    sentinel = [(0.492, 0.066), (0.560, 0.036), (0.665, 0.031), (0.833, 0.106),
                (1.614, 0.091), (2.202, 0.175)]
    four = [(0.865, None), (0.655, None), (0.561, None), (0.482, None)]
    infos = [_described(LANDSAT, "l.tif"), _described(range(1, 7), "s2.tif"),
             _described(range(1, 5), "four.tif")]
    plan = _plan_from_spectra(infos, [landsat, sentinel, four])
    assert plan.common.bands == ((2, 3, 4, 5), (1, 2, 3, 4), (4, 3, 2, 1))
    # SWIR is shared by Landsat and Sentinel-2 only: a second group; the panchromatic band
    # (0.59 um, between green and red) pairs with nothing, nor do coastal, cirrus, thermal.
    assert plan.groups[1].images == (0, 1) and plan.groups[1].bands == ((6, 7), (5, 6))
    assert plan.unmatched == ((1, 8, 9, 10, 11), (), ())
    assert [wavelength_of_name(n) for n in ("Blue", "B5 (NIR)", "SWIR 1", "Red Edge 1",
                                            "Band 3", "")] == [0.482, 0.865, 1.609, None,
                                                                None, None]


def test_warped_input_of_another_sensor(tmp_path):
    """A 4-band tile in another CRS: its statistics come through a warped view, which reads
    the mapped bands; the common bands come out as those of the same set of one sensor."""
    errors, gains = {}, {}
    for kinds in ("SSSS", "LSLL"):
        folder = tmp_path / kinds
        folder.mkdir()
        tiles = make_mixed_set(str(folder), kinds)
        warped = str(folder / "stile_1w.tif")
        gdal.Warp(warped, tiles[1][0], xRes=30, yRes=30, dstSRS="EPSG:32604",
                  resampleAlg="near")
        paths = [tiles[0][0], warped, tiles[2][0], tiles[3][0]]
        text = band_map_text(tiles).replace("stile_1:", "stile_1w:")
        result = run_global(paths, Outputs(str(folder / "out")),
                            band_map=parse_band_map(text) if kinds == "LSLL" else None)
        assert [gdal.Open(p).RasterCount for p in result.outputs] == \
            [len(t[1]) for t in tiles]
        errors[kinds] = [affine_error(tiles, result.outputs, b, which=(0, 2, 3))
                         for b in COMMON]
        gains[kinds] = result.global_model.gains
    np.testing.assert_allclose(errors["LSLL"], errors["SSSS"], rtol=1e-6)
    # (the 4-band set is in its own order, NIR, red, green, blue)
    np.testing.assert_allclose(gains["LSLL"], gains["SSSS"][:, ::-1], rtol=1e-9)
    # Reprojection (nearest neighbour) moves the overlap statistics of a few percent of a
    # band's std (blue: 340 DN); what this test holds is the equality above.
    assert max(errors["SSSS"]) < 0.05


def test_newer_model_format_refused(tmp_path):
    tiles = make_mixed_set(str(tmp_path), "SSSS")
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"format": "spectralmatch-model/9"}))
    with pytest.raises(InputError, match="newer than this plugin reads. Fix: update"):
        apply_model(str(model), [t[0] for t in tiles], Outputs(str(tmp_path / "out")))
