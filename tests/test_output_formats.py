"""Issue 18: outputs as GIS users expect them (creation options, COG, overviews, every
numeric type) and the toolbox's conventions, through processing.run and qgis_process.bin."""
import importlib.util
import os
import re
import subprocess

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingFeedback)

from qgis.PyQt import sip

import synthetic as S
from synthetic import GAINS, OFFSETS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALGORITHMS = ["applymodel", "globalmatch", "localmatch", "match", "mosaic"]
WIDGET = "processing.algs.gdal.ui.RasterOptionsWidget.RasterOptionsWidgetWrapper"


@pytest.fixture
def tiles(tmp_path):
    return S.make_set(str(tmp_path), GAINS, OFFSETS)


def alg(name):
    return QgsApplication.processingRegistry().algorithmById(f"spectralmatch:{name}")


def structure(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    return ds.GetMetadata("IMAGE_STRUCTURE"), band.GetBlockSize(), band.GetOverviewCount()


def _python_widget_exists():
    try:
        return importlib.util.find_spec(WIDGET.rsplit(".", 1)[0]) is not None
    except ImportError:
        return False


def test_every_writing_algorithm_declares_the_format_parameters(provider):
    # QGIS 3.22 has the widget as a Python class, 3.40 as a C++ widget type
    expected = {"class": WIDGET} if _python_widget_exists() else {"widget_type": "rasteroptions"}
    for name in ALGORITHMS:
        a = alg(name)
        options = a.parameterDefinition("CREATION_OPTIONS")
        assert options is not None, name
        assert options.metadata()["widget_wrapper"] == expected
        fmt = a.parameterDefinition("OUTPUT_FORMAT")
        assert fmt.options() == ["GTiff", "COG"] and fmt.usesStaticStrings(), name
        assert fmt.defaultValue() == "GTiff"
        assert a.parameterDefinition("OVERVIEWS").defaultValue() == 0
        kind = a.parameterDefinition("OUTPUT_TYPE")
        if name == "applymodel":  # the type of the run that saved the model
            assert kind is None
            continue
        # 0 and 1 mean what they meant before (models and commands keep working)
        assert kind.options() == ["Same as input", "Float32", "Byte", "Int8", "UInt16",
                                  "Int16", "UInt32", "Int32", "UInt64", "Int64", "Float64"]


def test_the_creation_options_widget_is_the_gdal_algorithms_one(provider):
    from processing.gui.wrappers import WidgetWrapperFactory

    param = alg("match").parameterDefinition("CREATION_OPTIONS")
    wrapper = WidgetWrapperFactory.create_wrapper(param, None)
    value = "COMPRESS=ZSTD|ZSTD_LEVEL=1"
    if _python_widget_exists():
        assert type(wrapper).__name__ == "RasterOptionsWidgetWrapper"
        widget = wrapper.widget
        wrapper.setValue(value)
        assert wrapper.value() == value
    else:
        widget = wrapper.createWrappedWidget(QgsProcessingContext())
        wrapper.setWidgetValue(value, QgsProcessingContext())
        assert wrapper.widgetValue() == value
    from qgis.PyQt.QtWidgets import QWidget

    # the C++ wrapper hands it out as a QWidget; Qt knows its class
    classes = {w.metaObject().className() for w in [widget] + widget.findChildren(QWidget)}
    assert "QgsRasterFormatSaveOptionsWidget" in classes, classes
    sip.delete(widget)  # now, not at interpreter exit


def test_creation_options_and_overviews_reach_the_files(provider, tiles, tmp_path):
    import processing

    inputs = [t.path for t in tiles]
    out = tmp_path / "out"
    result = processing.run("spectralmatch:globalmatch", {
        "INPUT": inputs, "OUTPUT": str(out), "OVERVIEWS": 1,
        "CREATION_OPTIONS": "COMPRESS=ZSTD|ZSTD_LEVEL=1|BLOCKXSIZE=128|BLOCKYSIZE=128"})
    for path in result["OUTPUT_LAYERS"]:
        meta, block, overviews = structure(path)
        assert meta["COMPRESSION"] == "ZSTD" and meta["PREDICTOR"] == "2"
        assert block == [128, 128] and overviews == 1  # one level: the tiles are < 512 wide
        info = subprocess.run(["gdalinfo", path], capture_output=True, text=True).stdout
        assert "COMPRESSION=ZSTD" in info and "Overviews:" in info
    # Overviews are averages of the full resolution.
    ds = gdal.Open(result["OUTPUT_LAYERS"][0])
    full = ds.GetRasterBand(1).ReadAsArray().astype(float)
    half = ds.GetRasterBand(1).GetOverview(0).ReadAsArray().astype(float)
    h, w = full.shape[0] // 2, full.shape[1] // 2  # odd sides: GDAL's 2x2 cells drift
    blocks = full[:2 * h, :2 * w].reshape(h, 2, w, 2).mean(axis=(1, 3))
    assert np.corrcoef(half[:h, :w].ravel(), blocks.ravel())[0, 1] > 0.95
    assert abs(half.mean() / full.mean() - 1) < 0.01
    # Automatic: none on rasters this small; Never: none.
    for overviews in (0, 2):
        again = processing.run("spectralmatch:globalmatch", {
            "INPUT": inputs, "OUTPUT": str(tmp_path / f"o{overviews}"), "OVERVIEWS": overviews})
        assert structure(again["OUTPUT_LAYERS"][0])[2] == 0
    assert sorted(os.listdir(out)) == [f"tile_{k}_global.tif" for k in range(4)]


def _with_alpha(tiles, tmp_path):
    """The tiles with an alpha band that is a checkerboard of single pixels, shifted by one
    pixel in the right half: every 2x2 cell is half opaque."""
    paths = []
    for k, tile in enumerate(tiles):
        src = gdal.Open(tile.path)
        data = src.ReadAsArray()
        yy, xx = np.mgrid[0:data.shape[1], 0:data.shape[2]]
        shift = (xx >= data.shape[2] // 2).astype(int)
        alpha = np.where((yy + xx + shift) % 2 == 0, 255, 0).astype(np.uint16)
        path = str(tmp_path / f"rgba_{k}.tif")
        ds = gdal.GetDriverByName("GTiff").Create(path, data.shape[2], data.shape[1],
                                                  data.shape[0] + 1, gdal.GDT_UInt16)
        ds.SetGeoTransform(src.GetGeoTransform())
        ds.SetProjection(src.GetProjection())
        for b in range(data.shape[0]):
            ds.GetRasterBand(b + 1).WriteArray(data[b])
        ds.GetRasterBand(data.shape[0] + 1).WriteArray(alpha)
        ds.GetRasterBand(data.shape[0] + 1).SetColorInterpretation(gdal.GCI_AlphaBand)
        ds = None
        paths.append(path)
    return paths


def test_alpha_band_overviews_are_nearest_not_blended(provider, tiles, tmp_path):
    import processing

    inputs = _with_alpha(tiles, tmp_path)
    for fmt in ("GTiff", "COG"):
        result = processing.run("spectralmatch:globalmatch", {
            "INPUT": inputs, "OUTPUT": str(tmp_path / fmt), "OVERVIEWS": 1,
            "OUTPUT_FORMAT": fmt, "CREATION_OPTIONS": "BLOCKSIZE=128" if fmt == "COG" else ""})
        kind, count, half, data = _alpha_overview(result["OUTPUT_LAYERS"][0])
        assert kind == gdal.GCI_AlphaBand and count >= 1, fmt
        # An average of the checkerboard would be 127 or 128 everywhere: nearest keeps the
        # two categories, and the data bands' overviews stay averages of opaque pixels.
        assert set(np.unique(half)) == {0, 255}, fmt
        assert data[half == 255].std() > 0, fmt


def _alpha_overview(path):
    """The last band's colour interpretation and overview count, its first overview and
    band 1's (the dataset stays open while its bands are used: GDAL 3.6's bindings)."""
    ds = gdal.Open(path)
    alpha = ds.GetRasterBand(ds.RasterCount)
    found = (alpha.GetColorInterpretation(), alpha.GetOverviewCount(),
             alpha.GetOverview(0).ReadAsArray(),
             ds.GetRasterBand(1).GetOverview(0).ReadAsArray())
    del alpha
    return found


def _band_and_overview(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    found = band.ReadAsArray().astype(float), band.GetOverview(0).ReadAsArray().astype(float)
    del band
    return found


def _is_cog(path):
    meta, _, overviews = structure(path)
    assert meta.get("LAYOUT") == "COG", meta
    try:
        from osgeo_utils.samples.validate_cloud_optimized_geotiff import validate
    except ImportError:  # older GDAL packaging: the LAYOUT=COG metadata above is the check
        return True
    _warnings, errors, _details = validate(path, full_check=True)
    assert errors == [], errors
    return True


def test_cog_output_validates_and_leaves_no_scratch(provider, tiles, tmp_path):
    import processing

    out = tmp_path / "out"
    result = processing.run("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(out), "OUTPUT_FORMAT": "COG",
        "CREATION_OPTIONS": "COMPRESS=ZSTD|BLOCKSIZE=128",
        "MOSAIC": str(tmp_path / "mosaic.tif")})
    for path in result["OUTPUT_LAYERS"] + [result["MOSAIC"]]:
        assert _is_cog(path)
        meta, block, overviews = structure(path)
        assert meta["COMPRESSION"] == "ZSTD" and block == [128, 128] and overviews >= 1
        # What QGIS draws zoomed out: the overviews hold the averaged pixels (they were all
        # zero while the scratch GeoTIFF was still open when it was converted).
        full, half = _band_and_overview(path)
        assert abs(half[half > 0].mean() / full[full > 0].mean() - 1) < 0.02, path
        assert (half > 0).mean() > 0.5, path
    assert sorted(os.listdir(out)) == [f"tile_{k}_matched.tif" for k in range(4)]
    plain = processing.run("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "plain")})
    for cog, tif in zip(result["OUTPUT_LAYERS"], plain["OUTPUT_LAYERS"]):
        np.testing.assert_array_equal(S.read(cog)[0], S.read(tif)[0])  # same pixels


def test_cancel_while_converting_to_cog_leaves_nothing(tiles, tmp_path):
    from spectralmatch.core import Cancelled, Feedback, run_global
    from spectralmatch.core.options import Outputs, RasterFormat

    phases = []
    feedback = Feedback(is_canceled=lambda: "cog" in phases, phase=phases.append)
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        run_global([t.path for t in tiles], Outputs(str(out), raster=RasterFormat("COG")),
                   feedback=feedback)
    assert phases[:3] == ["statistics", "solve", "writing"] and "cog" in phases
    assert not out.exists()  # the folder the run made goes too
    assert sorted(os.listdir(tmp_path)) == [f"tile_{k}.tif" for k in range(4)]


def _wide_float_set(folder):
    """Float32 tiles whose corrected values reach far beyond every integer type's range."""
    return S.make_set(folder, GAINS, OFFSETS, gdal_type=gdal.GDT_Float32, nodata=None,
                      transform=lambda s: (s - s.mean()) / s.std() * 6e9 + 1.0e9)


def test_every_output_type_round_trips_rounded_and_clipped(provider, tmp_path):
    import processing

    inputs = [t.path for t in _wide_float_set(str(tmp_path))]
    a = alg("globalmatch")
    names = a.parameterDefinition("OUTPUT_TYPE").options()
    common = {"INPUT": inputs, "ROBUST": False}
    reference = processing.run("spectralmatch:globalmatch", {
        **common, "OUTPUT": str(tmp_path / "f64"), "OUTPUT_TYPE": names.index("Float64")})
    truth = S.read(reference["OUTPUT_LAYERS"][0])[0].astype(np.float64)
    assert truth.min() < -2.2e9 and truth.max() > 4.3e9  # beyond Int32 and UInt32
    for index, name in enumerate(names):
        if index == 0 or name == "Float64":
            continue
        result = processing.run("spectralmatch:globalmatch", {
            **common, "OUTPUT": str(tmp_path / name), "OUTPUT_TYPE": index})
        ds = gdal.Open(result["OUTPUT_LAYERS"][0])
        band = ds.GetRasterBand(1)
        values = band.ReadAsArray()
        if name == "Int8":  # GDAL before 3.7 stores it as Byte with PIXELTYPE=SIGNEDBYTE
            signed = band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE"
            assert gdal.GetDataTypeName(band.DataType) == ("Byte" if signed else "Int8")
            values = values.view(np.int8) if signed else values
        else:
            assert gdal.GetDataTypeName(band.DataType) == name
        dtype = np.dtype(name.lower().replace("byte", "uint8"))
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            expected = np.clip(np.rint(truth[0]), float(info.min), float(info.max))
            if np.rint(truth[0]).min() < info.min:  # all but Int64
                assert (values == info.min).any(), name
            if np.rint(truth[0]).max() > info.max:
                assert (values == info.max).any(), name
            np.testing.assert_array_equal(values.astype(np.float64)[
                np.abs(expected) < 2 ** 52], expected[np.abs(expected) < 2 ** 52], err_msg=name)
        else:
            np.testing.assert_allclose(values, truth[0].astype(np.float32), rtol=1e-6)


def test_a_no_data_value_the_type_cannot_hold_is_refused(provider, tmp_path):
    import processing

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, gdal_type=gdal.GDT_Int16, nodata=-9999)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch", {
            "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"),
            "OUTPUT_TYPE": alg("globalmatch").parameterDefinition("OUTPUT_TYPE").options()
            .index("Byte")})
    assert "-9999" in str(err.value) and tiles[0].path in str(err.value)
    assert "Byte" in str(err.value)
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_bad_creation_options_are_refused_by_name(provider, tiles, tmp_path):
    import processing

    for options, named in (("COMPRESS=ZSTD|FOO=1", "FOO"), ("COMPRESS=BAR", "BAR"),
                           ("ZLEVEL=high", "ZLEVEL"), ("BLOCKSIZE=512", "BLOCKSIZE"),
                           ("COMPRESS=JPEG", "JPEG")):
        for name, extra in (("globalmatch", {"OUTPUT": str(tmp_path / "out")}),
                            ("mosaic", {"OUTPUT": str(tmp_path / "m.tif")})):
            with pytest.raises(QgsProcessingException) as err:
                processing.run(f"spectralmatch:{name}", {
                    "INPUT": [t.path for t in tiles], "CREATION_OPTIONS": options, **extra})
            assert named in str(err.value), (options, str(err.value))
    # A COG option is fine for COG.
    ok, _ = alg("mosaic").checkParameterValues(
        {"INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "m.tif"),
         "OUTPUT_FORMAT": "COG", "CREATION_OPTIONS": "BLOCKSIZE=256"}, QgsProcessingContext())
    assert ok
    assert not (tmp_path / "out").exists() and not (tmp_path / "m.tif").exists()


def test_qgis_process_takes_the_format_by_name(qgis_process, tiles, tmp_path):
    out = tmp_path / "out"
    inputs = [f"INPUT={t.path}" for t in tiles]
    proc = qgis_process("run", "spectralmatch:match", "--", *inputs, f"OUTPUT={out}",
                        "OUTPUT_FORMAT=COG", "CREATION_OPTIONS=COMPRESS=ZSTD|LEVEL=1",
                        "OUTPUT_TYPE=10", f"MOSAIC={tmp_path / 'mosaic.tif'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in [out / f"tile_{k}_matched.tif" for k in range(4)] + [tmp_path / "mosaic.tif"]:
        info = subprocess.run(["gdalinfo", str(path)], capture_output=True, text=True).stdout
        assert "LAYOUT=COG" in info and "COMPRESSION=ZSTD" in info, info
        assert "Type=Float64" in info
    bad = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs,
                       f"OUTPUT={tmp_path / 'bad'}", "CREATION_OPTIONS=COMPRES=LZW")
    assert bad.returncode != 0
    assert "COMPRES" in bad.stdout + bad.stderr and "Traceback" not in bad.stdout + bad.stderr
    assert not (tmp_path / "bad").exists()
    # GDAL 3.6's bindings raise the JPEG refusal once more from the destructor of the probe
    # dataset, where Python prints it as "Exception ignored ..." with a traceback.
    jpeg = qgis_process("run", "spectralmatch:globalmatch", "--", *inputs,
                        f"OUTPUT={tmp_path / 'jpeg'}", "CREATION_OPTIONS=COMPRESS=JPEG")
    assert jpeg.returncode != 0 and "JPEG" in jpeg.stdout + jpeg.stderr
    assert "Traceback" not in jpeg.stdout + jpeg.stderr, jpeg.stderr
    assert not (tmp_path / "jpeg").exists()


def test_toolbox_search_finds_the_algorithms(provider):
    from qgis.gui import QgsProcessingToolboxProxyModel

    model = QgsProcessingToolboxProxyModel(None, QgsApplication.processingRegistry())
    for word in ("radiometric", "colour balancing", "histogram matching", "dodging"):
        model.setFilterString(word)
        hits = set()
        stack = [model.index(r, 0) for r in range(model.rowCount())]
        while stack:
            index = stack.pop()
            a = model.toolboxModel().algorithmForIndex(model.mapToSource(index))
            if a is not None and a.provider().id() == "spectralmatch":
                hits.add(a.name())
            stack += [model.index(r, 0, index) for r in range(model.rowCount(index))]
        assert hits == set(ALGORITHMS), (word, hits)
    sip.delete(model)  # before the registry it watches goes away


def test_toolbox_conventions(provider):
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.*)$", readme, re.M)}
    for name in ALGORITHMS:
        a = alg(name)
        assert "radiometric normalisation" in a.tags() and "mosaic" in a.tags()
        assert 20 < len(a.shortDescription()) < 120, name
        url = a.helpUrl()
        assert url.startswith("https://github.com/spectralmatch-qgis/spectralmatch-qgis#")
        assert url.split("#")[1] in anchors, url
        assert not a.supportsNonFileBasedOutput()
        assert not a.icon().isNull()


class Recorder(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.texts = []

    def setProgressText(self, text):  # noqa: N802
        self.texts.append(text)
        super().setProgressText(text)


def test_progress_text_names_each_stage(provider, tiles, tmp_path):
    import processing

    feedback = Recorder()
    processing.run("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"), "OVERVIEWS": 1,
        "MOSAIC": str(tmp_path / "m.tif"), "OUTPUT_FORMAT": "GTiff"}, feedback=feedback)
    stages = list(dict.fromkeys(feedback.texts))
    assert stages[:4] == ["Computing statistics…", "Solving the correction…",
                          "Writing rasters…", "Building overviews…"], stages
    assert "Mosaicking…" in stages


def test_blas_runs_on_one_thread_while_windows_run_on_the_pool():
    from spectralmatch.core.io import parallel

    lib = parallel._openblas()
    if lib is None:
        pytest.skip("numpy here does not use OpenBLAS")
    before = lib.openblas_get_num_threads()
    lib.openblas_set_num_threads(2)
    try:
        inside = list(parallel.ordered_map(lambda _: lib.openblas_get_num_threads(), range(4),
                                           2))
        assert inside == [1, 1, 1, 1] and lib.openblas_get_num_threads() == 2
    finally:
        lib.openblas_set_num_threads(before)


def test_a_narrower_output_type_says_how_much_it_clipped(tmp_path):
    """UInt16 data written as Byte (OUTPUT_TYPE): nearly every value is clipped to 255; the
    run says so per image, with the count and the fix. Written as UInt16, nothing is said."""
    from spectralmatch.core import Feedback, Outputs, run_global
    from spectralmatch.core.options import RasterFormat

    tiles = S.make_set(str(tmp_path), GAINS, OFFSETS)
    paths = [t.path for t in tiles]
    for data_type, expect in (("Byte", True), (None, False)):
        warnings = []
        result = run_global(paths, Outputs(str(tmp_path / f"o{data_type}"),
                                           raster=RasterFormat(data_type=data_type)),
                            feedback=Feedback(warning=warnings.append))
        clipped = [w for w in warnings if "were clipped" in w]
        if not expect:
            assert not clipped, clipped
            continue
        assert len(clipped) == len(paths), warnings
        for path, out in zip(paths, result.outputs):
            values = S.read(out)[0]
            corrected = int(np.count_nonzero(values == 255))
            line = next(w for w in clipped if w.startswith(path))
            assert f"({corrected}) lie beyond the range of Byte (0 to 255)" in line, line
            assert "Fix: write the input's own type (UInt16)" in line
