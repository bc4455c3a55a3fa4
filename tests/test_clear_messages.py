"""Unusual inputs that crashed or misled (issue 15, point 8): each now works and says what it
did, or stops with a message that names the file and the fix; the folder's files are never
changed and nothing is left behind.
"""
import os

import numpy as np
import pytest
from osgeo import gdal, ogr
from qgis.core import (QgsApplication, QgsProcessingException, QgsProcessingFeedback, QgsProject,
                       QgsRasterLayer)

import small_rasters as R
from spectralmatch.core import Feedback, InputError, Outputs, Statistics, run_global


def polygon_file(path, wkt, driver="ESRI Shapefile", srs=None):
    ds = ogr.GetDriverByName(driver).CreateDataSource(path)
    layer = ds.CreateLayer("polygons", srs, ogr.wkbPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
    layer.CreateFeature(feature)
    feature = layer = ds = None
    return path


# The small tiles span x 500000-502160, y 3998560-4000000 (EPSG:32633).
COVERS_TILE_0 = ("POLYGON ((499000 3998000, 501500 3998000, 501500 4001000, 499000 4001000, "
                 "499000 3998000))")
A_CLOUD = ("POLYGON ((500900 3999100, 501200 3999100, 501200 3999400, 500900 3999400, "
           "500900 3999100))")


def test_exclusion_shapefile_without_prj_is_taken_in_the_grids_crs(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    shp = polygon_file(os.path.join(folder, "cloud.shp"), A_CLOUD)  # no srs: no .prj
    assert not os.path.exists(os.path.join(folder, "cloud.prj"))
    before = R.digests(folder)
    feedback = QgsProcessingFeedback()
    result = processing.run("spectralmatch:globalmatch", {
        "INPUT": paths, "OUTPUT": str(tmp_path / "o"), "EXCLUDE": shp}, feedback=feedback)
    log = feedback.textLog()
    assert "the exclusion mask has no coordinate reference system" in log
    assert "taken to be in the CRS of the inputs' common grid" in log
    assert len(result["OUTPUT_LAYERS"]) == 2
    assert R.digests(folder) == before


def test_exclusion_covering_a_whole_input_says_so(tmp_path):
    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    gpkg = polygon_file(os.path.join(folder, "all.gpkg"), COVERS_TILE_0, "GPKG",
                        _utm())
    before = R.digests(folder)
    with pytest.raises(InputError) as err:
        run_global(paths, Outputs(str(tmp_path / "o")),
                   statistics=Statistics(robust=False, exclude=gpkg))
    message = str(err.value)
    assert f"{paths[0]}: the exclusion polygons of {gpkg} cover all of it" in message
    assert "no-data" not in message and "Fix: shrink the exclusion polygons" in message
    assert R.digests(folder) == before
    assert not os.path.exists(tmp_path / "o") or not os.listdir(tmp_path / "o")


def test_an_exclusion_over_every_overlap_is_named_not_the_inputs(tmp_path):
    """Polygons that cover the overlaps (not a whole input) left no pair: the message said
    the inputs do not overlap, and to give rasters that cover a common area."""
    folder = str(tmp_path / "in")
    paths = R.tiles(folder)  # the overlap: x 500720-501440
    gpkg = polygon_file(os.path.join(folder, "overlap.gpkg"),
                        "POLYGON ((500700 3998000, 501460 3998000, 501460 4001000, "
                        "500700 4001000, 500700 3998000))", "GPKG", _utm())
    with pytest.raises(InputError) as err:
        run_global(paths, Outputs(str(tmp_path / "o")),
                   statistics=Statistics(robust=False, exclude=gpkg))
    message = str(err.value)
    assert f"outside the exclusion polygons of {gpkg}" in message, message
    assert "Fix: shrink the exclusion polygons" in message


def test_a_geojson_exclusion_is_named_as_the_user_gave_it(provider, tmp_path):
    """QGIS copied a GeoJSON to a GeoPackage in its temporary folder, and the message named
    the copy (/tmp/processing_.../EXCLUDE.gpkg), a file the user never saw."""
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder)
    geojson = polygon_file(os.path.join(folder, "all.geojson"), COVERS_TILE_0, "GeoJSON",
                           _utm())
    alg = QgsApplication.processingRegistry().algorithmById("spectralmatch:globalmatch")
    assert alg.parameterDefinition("EXCLUDE") is not None
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch", {
            "INPUT": paths, "EXCLUDE": geojson, "ROBUST": False,
            "OUTPUT": str(tmp_path / "o")})
    message = str(err.value)
    assert f"the exclusion polygons of {geojson} cover all of it" in message, message
    assert "processing_" not in message


def _utm():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    return srs


def test_float64_near_1e_minus_300_is_a_clear_message(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.float64, gdal_type=gdal.GDT_Float64, nodata=None,
                    base=1e-300, spread=3e-301)
    before = R.digests(folder)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:match", {"INPUT": paths, "OUTPUT": str(tmp_path / "o")})
    message = str(err.value)
    assert "LinAlgError" not in message
    assert f"{paths[0]}: its values are all within" in message
    assert "Fix: rescale the data first" in message
    assert R.digests(folder) == before


def test_a_reference_that_overlaps_nothing_is_reported_as_such(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, n=3)
    ds = gdal.Open(paths[2], gdal.GA_Update)
    gt = list(ds.GetGeoTransform())
    gt[0] += 100000  # far from the others
    ds.SetGeoTransform(gt)
    ds = None
    before = R.digests(folder)
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch", {
            "INPUT": paths, "REFERENCE": paths[2], "OUTPUT": str(tmp_path / "o")})
    assert (f"{paths[2]}: the reference overlaps no other input with valid pixels, so no "
            "image can be matched to it. Fix: choose a reference that overlaps the others, "
            "or none.") in str(err.value)
    assert R.digests(folder) == before


def _geopackage(folder):
    """Two single-band tiles; the second also as two raster tables of one GeoPackage."""
    paths = R.tiles(folder, bands=1)
    gpkg = os.path.join(folder, "g.gpkg")
    gdal.Translate(gpkg, paths[1], format="GPKG", creationOptions=["RASTER_TABLE=first"])
    gdal.Translate(gpkg, paths[1], format="GPKG",
                   creationOptions=["RASTER_TABLE=second", "APPEND_SUBDATASET=YES"])
    return paths, gpkg


def test_a_geopackage_raster_is_opened(provider, tmp_path):
    import processing

    folder = str(tmp_path / "in")
    paths, gpkg = _geopackage(folder)
    before = R.digests(folder)
    table = f"GPKG:{gpkg}:second"
    out = str(tmp_path / "o")
    # by name, and as a layer of the project
    result = processing.run("spectralmatch:globalmatch", {"INPUT": [paths[0], table],
                                                          "OUTPUT": out})
    assert sorted(os.path.basename(p) for p in result["OUTPUT_LAYERS"]) == \
        ["g_second_global.tif", "t0_global.tif"]
    # The project owns the layer and closes its GeoPackage when it is removed: a layer left
    # to Python's garbage collection would close it after QGIS has shut down (a crash).
    project = QgsProject.instance()
    layer = QgsRasterLayer(table, "second", "gdal")
    assert layer.isValid()
    project.addMapLayer(layer, False)
    try:
        processing.run("spectralmatch:globalmatch", {"INPUT": [paths[0], layer.id()],
                                                     "OUTPUT": str(tmp_path / "o2")})
    finally:
        project.removeMapLayer(layer.id())
        layer = None
    matched = gdal.Open(os.path.join(out, "g_second_global.tif")).ReadAsArray()
    again = gdal.Open(os.path.join(str(tmp_path / "o2"), "g_second_global.tif")).ReadAsArray()
    assert np.array_equal(matched, again)
    # the file alone holds two rasters: say which
    with pytest.raises(QgsProcessingException) as err:
        processing.run("spectralmatch:globalmatch", {"INPUT": [paths[0], gpkg],
                                                     "OUTPUT": str(tmp_path / "o3")})
    assert f"{gpkg}: the file holds 2 rasters (GPKG:{gpkg}:first, GPKG:{gpkg}:second). " \
        "Fix: give one of them by that name." in str(err.value)
    after = R.digests(folder)
    assert {k: after[k] for k in before} == before


def test_jpeg_with_its_crs_in_aux_xml_works_with_pam_disabled(qgis_process, tmp_path):
    """The README's advice GDAL_PAM_ENABLED=NO keeps qgis_process from writing histograms;
    a JPEG's georeference in its .aux.xml is read all the same, and nothing is written."""
    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.uint8, gdal_type=gdal.GDT_Byte, bands=3, base=120,
                    spread=30, nodata=None)
    jpeg = os.path.join(folder, "t1.jpg")
    gdal.Translate(jpeg, paths[1], format="JPEG")
    os.remove(paths[1])
    assert os.path.exists(jpeg + ".aux.xml")  # georeference and CRS live there
    before = R.digests(folder)
    env = dict(qgis_process.env, GDAL_PAM_ENABLED="NO")
    import subprocess

    proc = subprocess.run(["qgis_process.bin", "run", "spectralmatch:globalmatch", "--",
                           f"INPUT={paths[0]}", f"INPUT={jpeg}", f"OUTPUT={tmp_path / 'o'}"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = gdal.Open(str(tmp_path / "o" / "t1_global.tif"))
    assert out.GetSpatialRef() is not None and out.GetGeoTransform()[0] == 500000 + 24 * 30
    out = None
    assert R.digests(folder) == before


def test_infinite_values_are_not_blamed_on_the_scale(tmp_path):
    """±inf used to stop the run with "rescale the data"; now they are no data, and said so."""
    def with_inf(k, values):
        values = values.copy()
        values[0, 0, :] = np.inf
        return values

    folder = str(tmp_path / "in")
    paths = R.tiles(folder, numpy_type=np.float64, gdal_type=gdal.GDT_Float64, nodata=None,
                    edit=with_inf)
    before = R.digests(folder)
    warnings = []
    run_global(paths, Outputs(str(tmp_path / "o")), feedback=Feedback(warning=warnings.append))
    assert any("1.04% of its values (48) are +inf or -inf" in w for w in warnings), warnings
    assert R.digests(folder) == before


def test_python_callers_get_paths_as_they_write_them(tmp_path):
    """From Python: pathlib.Path inputs and folders work; one path instead of a list, or
    apply_model's arguments in the order of the other runs, get a message (they gave
    "i_matched.tif would be written inside the input /" and a TypeError)."""
    from pathlib import Path

    from spectralmatch.core import apply_model, run_match

    paths = [Path(p) for p in R.tiles(str(tmp_path / "in"))]
    result = run_global(paths, Outputs(tmp_path / "o", model_out=tmp_path / "m.json"))
    assert [os.path.basename(p) for p in result.outputs] == ["t0_global.tif", "t1_global.tif"]
    with pytest.raises(InputError, match="a list of raster paths, not one path"):
        run_match(str(paths[0]), Outputs(str(tmp_path / "o2")))
    with pytest.raises(InputError, match=r"apply_model\(model_path, inputs, outputs\)"):
        apply_model([str(p) for p in paths], str(tmp_path / "m.json"),
                    Outputs(str(tmp_path / "o3")))
    again = apply_model(tmp_path / "m.json", paths, Outputs(tmp_path / "o4"))
    assert len(again.outputs) == 2
    assert not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


def test_a_hard_link_of_an_input_is_the_same_file(tmp_path):
    """A symbolic link of an input was refused as given twice; a hard link was matched
    against itself."""
    paths = R.tiles(str(tmp_path / "in"))
    twin = str(tmp_path / "in" / "twin.tif")
    os.link(paths[0], twin)
    with pytest.raises(InputError, match="given twice"):
        run_global([paths[0], paths[1], twin], Outputs(str(tmp_path / "o")))


def test_a_mosaic_refuses_an_input_that_is_all_no_data(tmp_path):
    """Matching refused it; the mosaic took it silently and only grew by an empty area."""
    from spectralmatch.core import MosaicOptions, run_mosaic

    paths = R.tiles(str(tmp_path / "in"), edit=lambda k, v: v * 0 if k == 1 else v)
    with pytest.raises(InputError, match="every pixel of it is no-data") as err:
        run_mosaic(paths, MosaicOptions(str(tmp_path / "m.tif")))
    assert paths[1] in str(err.value) and "Fix:" in str(err.value)
    assert not (tmp_path / "m.tif").exists()
