"""The mosaic's outputs: VRT, cutlines fed back, the mosaic of a match run, safe failure."""
import os

import numpy as np
import pytest
from osgeo import gdal, ogr

import synthetic as S
from spectralmatch.core import (
    Cancelled,
    Feedback,
    InputError,
    MosaicOptions,
    Outputs,
    Streaming,
    run_match,
    run_mosaic,
)
from synthetic import GAINS, OFFSETS, cancelling_after


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    """Four matched tiles; tile 2 has a no-data hole."""
    folder = tmp_path_factory.mktemp("outputs")
    tiles = S.make_set(str(folder), GAINS, OFFSETS, holes=[None, None, (10, 10, 30, 40), None])
    return folder, tiles, run_match([t.path for t in tiles], Outputs(str(folder / "m"))).outputs


def pixels_on_mosaic(mosaic_path, paths):
    """Each image's values placed on the mosaic's grid, NaN where it has none."""
    ds = gdal.Open(mosaic_path)
    gt = ds.GetGeoTransform()
    out = np.full((len(paths), ds.RasterCount, ds.RasterYSize, ds.RasterXSize), np.nan)
    for k, path in enumerate(paths):
        values, valid = S.read(path)
        g = gdal.Open(path).GetGeoTransform()
        r, c = int(round((g[3] - gt[3]) / gt[5])), int(round((g[0] - gt[0]) / gt[1]))
        h, w = values.shape[1:]
        out[k, :, r:r + h, c:c + w] = np.where(valid, values, np.nan)
    return out


def test_vrt_mosaic_shows_what_the_hard_cut_geotiff_shows(matched):
    folder, _, paths = matched
    tif = run_mosaic(paths, MosaicOptions(str(folder / "cut.tif"))).mosaic.output
    vrt = run_mosaic(paths, MosaicOptions(str(folder / "cut.vrt"))).mosaic.output
    a, b = gdal.Open(tif).ReadAsArray(), gdal.Open(vrt).ReadAsArray()
    assert np.array_equal(a, b)
    assert sorted(os.listdir(folder / "cut_parts")) == [".spectralmatch-parts", "index.tif"] + [
        f"part_{k}.vrt" for k in range(4)]  # the marker: the run made this folder
    # Every pixel is one image's own value, and none is no-data where an image has data.
    images = pixels_on_mosaic(tif, paths)
    some = np.isfinite(images[:, 0]).any(axis=0)
    assert (a[:, some] != 0).all()
    assert np.all(np.any(images == a[None].astype(float), axis=0)[:, some])


def test_vrt_cannot_feather_and_other_formats_are_refused(matched):
    folder, _, paths = matched
    with pytest.raises(InputError, match=r"cut\.vrt.*Fix: set the feather width to 0"):
        run_mosaic(paths, MosaicOptions(str(folder / "cut.vrt"), feather=90.0))
    with pytest.raises(InputError, match=r"mosaic\.png.*Fix: give a path ending in \.tif"):
        run_mosaic(paths, MosaicOptions(str(folder / "mosaic.png")))
    with pytest.raises(InputError, match="would overwrite an input"):
        run_mosaic(paths, MosaicOptions(paths[0]))


def test_seamlines_given_back_as_cutlines_give_the_same_mosaic(matched):
    folder, _, paths = matched
    first = run_mosaic(
        paths, MosaicOptions(str(folder / "a.tif"), seamlines_out=str(folder / "s.gpkg"))
    )
    again = run_mosaic(
        paths,
        MosaicOptions(str(folder / "b.tif"), seamlines="centre"),
        cutlines=str(folder / "s.gpkg"),
        cutlines_layer="seamlines",
    )
    assert np.array_equal(first.mosaic.seams.labels, again.mosaic.seams.labels)
    assert np.array_equal(gdal.Open(first.mosaic.output).ReadAsArray(),
                          gdal.Open(again.mosaic.output).ReadAsArray())


def test_an_edited_cutline_decides_where_it_lies(matched, tmp_path):
    """A polygon that gives the whole mosaic to tile 0: wherever tile 0 has data the mosaic
    shows it, elsewhere the automatic seams stay."""
    _, _, paths = matched
    ds = gdal.Open(paths[0])
    srs = ds.GetSpatialRef()
    out = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / "edit.gpkg"))
    layer = out.CreateLayer("edit", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("image", ogr.OFTString))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("image", os.path.basename(paths[0]))
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        "POLYGON((0 0, 1e7 0, 1e7 1e8, 0 1e8, 0 0))"))
    layer.CreateFeature(feature)
    out = None
    result = run_mosaic(
        paths, MosaicOptions(str(tmp_path / "m.tif")), cutlines=str(tmp_path / "edit.gpkg")
    )
    mosaic = gdal.Open(result.mosaic.output).ReadAsArray().astype(float)
    images = pixels_on_mosaic(result.mosaic.output, paths)
    inner = np.isfinite(images[0, 0])
    # Away from its edge (where cells are only partly tile 0), all of it is tile 0.
    from scipy import ndimage
    inner = ndimage.binary_erosion(inner, iterations=2 * result.mosaic.seams.cells.size)
    assert np.array_equal(mosaic[:, inner], images[0][:, inner])
    others = ~np.isfinite(images[0, 0]) & np.isfinite(images[1:, 0]).any(axis=0)
    assert (mosaic[:, others] > 0).all()


def test_cutlines_that_name_no_input_are_refused(matched, tmp_path):
    _, _, paths = matched
    path = str(tmp_path / "bad.gpkg")
    out = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = out.CreateLayer("bad", gdal.Open(paths[0]).GetSpatialRef(), ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("image", ogr.OFTString))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("image", "elsewhere.tif")
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POLYGON((0 0, 1 0, 1 1, 0 0))"))
    layer.CreateFeature(feature)
    out = None
    with pytest.raises(InputError, match=r"bad\.gpkg.*'elsewhere\.tif'.*Fix: correct its"):
        run_mosaic(paths, MosaicOptions(str(tmp_path / "m.tif")), cutlines=path)
    with pytest.raises(InputError, match=r"nothing\.gpkg.*Fix"):
        run_mosaic(
            paths, MosaicOptions(str(tmp_path / "m.tif")), cutlines=str(tmp_path / "nothing.gpkg")
        )
    points = str(tmp_path / "points.gpkg")
    out = ogr.GetDriverByName("GPKG").CreateDataSource(points)
    layer = out.CreateLayer("points", gdal.Open(paths[0]).GetSpatialRef(), ogr.wkbPoint)
    layer.CreateField(ogr.FieldDefn("image", ogr.OFTString))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("image", os.path.basename(paths[0]))
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POINT(0 0)"))
    layer.CreateFeature(feature)
    out = None
    with pytest.raises(InputError, match=r"points\.gpkg: feature 1 is not a polygon.*Fix"):
        run_mosaic(paths, MosaicOptions(str(tmp_path / "m.tif")), cutlines=points)
    assert not (tmp_path / "m.tif").exists()


def test_match_writes_the_mosaic_of_what_it_matched(matched, tmp_path):
    _, tiles, _ = matched
    result = run_match(
        [t.path for t in tiles],
        Outputs(str(tmp_path / "m")),
        mosaic=MosaicOptions(str(tmp_path / "mosaic.vrt"), seamlines_out=str(tmp_path / "s.gpkg")),
    )
    vrt = gdal.Open(str(tmp_path / "mosaic.vrt")).ReadAsArray().astype(float)
    images = pixels_on_mosaic(str(tmp_path / "mosaic.vrt"), result.outputs)
    some = np.isfinite(images[:, 0]).any(axis=0)
    assert np.all(np.any(images == vrt[None], axis=0)[:, some])
    # The same seams as a separate mosaic of the outputs, but for cells where the images
    # agree to the rounding of the written values.
    alone = run_mosaic(result.outputs, MosaicOptions(str(tmp_path / "alone.vrt")))
    assert np.mean(alone.mosaic.seams.labels == result.mosaic.seams.labels) > 0.8
    assert ogr.Open(str(tmp_path / "s.gpkg")).GetLayer(0).GetFeatureCount() == 4


@pytest.mark.parametrize("when", [0.0, 0.5, 1.0])
def test_cancelled_mosaic_leaves_nothing(matched, tmp_path, when):
    """Cancelled at the first, a middle or the last check (the last window's)."""
    _, _, paths = matched
    for output in ("m.tif", "m.vrt"):
        checks = []
        run_mosaic(
            paths,
            MosaicOptions(str(tmp_path / "full" / output)),
            streaming=Streaming(window=256),
            feedback=Feedback(is_canceled=lambda: checks.append(1) and False),
        )
        calls = 1 + int(when * (len(checks) - 1))
        with pytest.raises(Cancelled):
            run_mosaic(
                paths,
                MosaicOptions(
                    str(tmp_path / "cancelled" / output),
                    seamlines_out=str(tmp_path / "cancelled" / "s.gpkg"),
                ),
                streaming=Streaming(window=256),
                feedback=Feedback(is_canceled=cancelling_after(calls)),
            )
    # The folder the run made goes too.
    assert not (tmp_path / "cancelled").exists()


def test_mosaic_in_processing_model_terms(provider, qgis_process, matched, tmp_path):
    """match with MOSAIC, then mosaic with CUTLINES into a VRT, through processing.run and
    qgis_process.bin."""
    import processing

    _, tiles, _ = matched
    res = processing.run("spectralmatch:match", {
        "INPUT": [t.path for t in tiles], "OUTPUT": str(tmp_path / "out"),
        "MOSAIC": str(tmp_path / "mosaic.tif"), "FEATHER": 60.0,
        "SEAMLINES_OUT": str(tmp_path / "seams.gpkg")})
    assert res["MOSAIC"] == str(tmp_path / "mosaic.tif")
    assert gdal.Open(res["MOSAIC"]).RasterXSize > gdal.Open(tiles[0].path).RasterXSize
    assert ogr.Open(res["SEAMLINES_OUT"]).GetLayer(0).GetFeatureCount() == 4
    proc = qgis_process("run", "spectralmatch:mosaic", "--",
                        *[f"INPUT={p}" for p in res["OUTPUT_LAYERS"]],
                        f"CUTLINES={tmp_path / 'seams.gpkg'}",
                        f"OUTPUT={tmp_path / 'again.vrt'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert gdal.Open(str(tmp_path / "again.vrt")).RasterCount == 4
    bad = qgis_process("run", "spectralmatch:mosaic", "--",
                       *[f"INPUT={p}" for p in res["OUTPUT_LAYERS"]], "FEATHER=30",
                       f"OUTPUT={tmp_path / 'feathered.vrt'}")
    assert bad.returncode != 0
    assert "feathered.vrt" in bad.stdout + bad.stderr


def test_a_chosen_pixel_size_and_a_single_input(matched, tmp_path):
    """PIXEL_SIZE gives the mosaic's grid (coarser: averaged; finer: nearest neighbour, no
    new values); one input makes a mosaic of itself."""
    _, _, paths = matched
    coarse = run_mosaic(
        paths, MosaicOptions(str(tmp_path / "coarse.tif")), pixel_size=60.0
    ).mosaic.output
    ds = gdal.Open(coarse)
    assert ds.GetGeoTransform()[1] == 60.0 and ds.GetGeoTransform()[5] == -60.0
    full = gdal.Open(run_mosaic(paths, MosaicOptions(str(tmp_path / "full.tif"))).mosaic.output)
    assert abs(ds.RasterXSize - full.RasterXSize / 2) <= 1
    fine = run_mosaic(
        paths[:1], MosaicOptions(str(tmp_path / "fine.tif")), pixel_size=15.0
    ).mosaic.output
    values, valid = S.read(paths[0])
    upsampled = gdal.Open(fine).ReadAsArray()
    assert upsampled.shape[1:] == (2 * values.shape[1], 2 * values.shape[2])
    assert np.array_equal(upsampled[:, ::2, ::2], values.astype(upsampled.dtype))
    with pytest.raises(InputError, match="Pixel size -1.*Fix"):
        run_mosaic(paths, MosaicOptions(str(tmp_path / "bad.tif")), pixel_size=-1.0)


def test_mosaic_of_inputs_in_another_crs_as_vrt(matched, tmp_path):
    """An input in another UTM zone and pixel size is seen through a warped view; the VRT
    keeps a copy of that view beside its index, and still shows what the GeoTIFF shows,
    also after the mosaic and its folder are moved together."""
    import shutil

    from test_mixed_grids import warp_to

    _, _, paths = matched
    other = str(tmp_path / "tile_1_utm4.tif")
    warp_to(paths[1], other)
    inputs = [paths[0], other, paths[2], paths[3]]
    tif = run_mosaic(inputs, MosaicOptions(str(tmp_path / "m.tif"))).mosaic.output
    vrt = run_mosaic(inputs, MosaicOptions(str(tmp_path / "v" / "m.vrt"))).mosaic.output
    assert "view_1.vrt" in os.listdir(tmp_path / "v" / "m_parts")
    shutil.move(str(tmp_path / "v"), str(tmp_path / "moved"))
    moved = gdal.Open(str(tmp_path / "moved" / "m.vrt")).ReadAsArray()
    assert np.array_equal(gdal.Open(tif).ReadAsArray(), moved)
    assert not os.path.exists(vrt)


@pytest.mark.parametrize("kind", ["float32 with negatives and NaN", "mask bands"])
def test_mosaic_of_any_unit_and_validity(tmp_path, kind):
    """Float32 reflectance-like values below zero with NaN no-data and holes, or UInt16 with
    an internal mask band and no no-data value: the mosaic keeps the type, is valid exactly
    where some input is, and every valid pixel is one input's value (hard cut)."""
    holes = [None, (10, 20, 30, 40), None, (60, 100, 50, 60)]
    if kind.startswith("float32"):
        tiles = S.make_set(str(tmp_path), GAINS, [[o / 10000 for o in r] for r in OFFSETS],
                           gdal_type=gdal.GDT_Float32, nodata=float("nan"), holes=holes,
                           transform=lambda x: (x - 10000.0) / 10000.0)
        paths = [t.path for t in tiles]
    else:
        tiles = S.make_set(str(tmp_path), GAINS, OFFSETS, nodata=None)
        paths = []
        for t, hole in zip(tiles, holes):
            path = t.path.replace(".tif", "_masked.tif")
            ds = gdal.Translate(path, t.path, creationOptions=["TILED=YES"])
            ds.CreateMaskBand(gdal.GMF_PER_DATASET)
            mask = np.full((ds.RasterYSize, ds.RasterXSize), 255, dtype=np.uint8)
            if hole:
                r, c, h, w = hole
                mask[r:r + h, c:c + w] = 0
            ds.GetRasterBand(1).GetMaskBand().WriteArray(mask)
            ds = None
            paths.append(path)
    for output in ("m.tif", "m.vrt"):
        out = run_mosaic(paths, MosaicOptions(str(tmp_path / output))).mosaic.output
        ds = gdal.Open(out)
        assert ds.GetRasterBand(1).DataType == gdal.Open(paths[0]).GetRasterBand(1).DataType
        values, valid = S.read(out)
        images = pixels_on_mosaic(out, paths)
        some = np.isfinite(images[:, 0]).any(axis=0)
        np.testing.assert_array_equal(valid[0], some)
        assert np.all(np.any(images == values[None], axis=0)[:, some])
