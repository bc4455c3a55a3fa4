"""The mosaic as a VRT: the matched images shown along the seams, without copying pixels.

Beside ``mosaic.vrt`` a folder ``mosaic_parts`` holds ``index.tif``, the image each pixel of
the mosaic comes from (-1: none; small, it compresses to almost nothing), and one VRT per
image whose mask band is "index == k" (a look-up table on index.tif). The mosaic's bands take
each image through its mask (``UseMaskBand``), so every pixel shows exactly the image a
hard-cut GeoTIFF mosaic would. The images are referenced by absolute path: moving them
breaks the VRT, moving the mosaic together with its folder does not.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional
from xml.sax.saxutils import escape, unescape

import numpy as np
from osgeo import gdal

from ..errors import InputError
from ..grid.common_grid import CommonGrid
from ..io.atomic import OutputSet
from ..io.geotiff import create_geotiff, gdal_type_of
from ..io.output_plan import parts_folder
from ..io.rasters import RasterInfo

INDEX = "index.tif"


def _nodata_text(value) -> str:
    return "nan" if value is not None and np.isnan(value) else repr(float(value))


def _geotransform_text(gt) -> str:
    return ", ".join(repr(float(v)) for v in gt)


def _vsimem_text(path: str) -> str:
    handle = gdal.VSIFOpenL(path, "rb")
    try:
        gdal.VSIFSeekL(handle, 0, 2)
        size = gdal.VSIFTellL(handle)
        gdal.VSIFSeekL(handle, 0, 0)
        return gdal.VSIFReadL(1, size, handle).decode("utf-8")
    finally:
        gdal.VSIFCloseL(handle)


_SOURCE = re.compile(r'<SourceDataset relativeToVRT="([01])">(.*?)</SourceDataset>', re.S)


def _absolute_sources(text: str, renamed: Dict[str, str]) -> str:
    """A warped view's VRT ``text`` with the file it reads as an absolute path, and as its
    final path where that file is a staged temporary (``renamed``).

    Why: GDAL writes the source as it was given; a path relative to the working folder
    breaks as soon as the mosaic is opened from another one, and replacing the temporary's
    name as a piece of text joined the working folder twice where GDAL had made it absolute.
    """
    final = {os.path.abspath(tmp): os.path.abspath(path) for tmp, path in renamed.items()}

    def absolute(match) -> str:
        path = unescape(match.group(2))
        # Only a file path of the working folder: not one beside the view, not GDAL's own
        # names (/vsi..., GPKG:file:table), which no folder can be put before.
        if match.group(1) == "1" or not os.path.lexists(path):
            return match.group(0)
        path = os.path.abspath(path)
        return (f'<SourceDataset relativeToVRT="0">{escape(final.get(path, path))}'
                "</SourceDataset>")

    return _SOURCE.sub(absolute, text)


def _part_vrt(k: int, view: RasterInfo, native: bool, grid: CommonGrid, folder: str,
              renamed: Dict[str, str]) -> str:
    """The VRT of image k on its footprint, masked to the pixels the mosaic takes from it.
    ``renamed``: the final path of an image read from a staged temporary."""
    place = grid.placements[k]
    if native:
        source, relative = os.path.abspath(renamed.get(view.path, view.path)), "0"
    else:  # the warped view lives in memory: keep a copy of it beside the index
        source, relative = f"view_{k}.vrt", "1"
        text = _absolute_sources(_vsimem_text(view.path), renamed)
        with open(os.path.join(folder, source), "w", encoding="utf-8") as out:
            out.write(text)
    gt = (grid.origin_x + place.col * grid.pixel_width, grid.pixel_width, 0.0,
          grid.origin_y - place.row * grid.pixel_height, 0.0, -grid.pixel_height)
    type_name = gdal.GetDataTypeName(view.gdal_type)
    bands = []
    for b, number in enumerate(view.data_bands):
        nodata = view.nodata[b]
        bands.append(
            f'  <VRTRasterBand dataType="{type_name}" band="{b + 1}">\n'
            + (f"    <NoDataValue>{_nodata_text(nodata)}</NoDataValue>\n"
               if nodata is not None else "")
            + f'    <SimpleSource><SourceFilename relativeToVRT="{relative}">'
            f"{escape(source)}</SourceFilename><SourceBand>{number}</SourceBand>"
            f'<SrcRect xOff="0" yOff="0" xSize="{place.cols}" ySize="{place.rows}"/>'
            f'<DstRect xOff="0" yOff="0" xSize="{place.cols}" ySize="{place.rows}"/>'
            "</SimpleSource>\n  </VRTRasterBand>\n")
    mask = (
        '  <MaskBand><VRTRasterBand dataType="Byte">\n'
        f'    <ComplexSource><SourceFilename relativeToVRT="1">{INDEX}</SourceFilename>'
        f"<SourceBand>1</SourceBand><LUT>{k - 1}:0,{k}:255,{k + 1}:0</LUT>"
        f'<SrcRect xOff="{place.col}" yOff="{place.row}" xSize="{place.cols}" '
        f'ySize="{place.rows}"/>'
        f'<DstRect xOff="0" yOff="0" xSize="{place.cols}" ySize="{place.rows}"/>'
        "</ComplexSource>\n  </VRTRasterBand></MaskBand>\n")
    name = f"part_{k}.vrt"
    with open(os.path.join(folder, name), "w", encoding="utf-8") as out:
        out.write(f'<VRTDataset rasterXSize="{place.cols}" rasterYSize="{place.rows}">\n'
                  f"  <SRS>{escape(grid.crs_wkt)}</SRS>\n"
                  f"  <GeoTransform>{_geotransform_text(gt)}</GeoTransform>\n"
                  + "".join(bands) + mask + "</VRTDataset>\n")
    return name


def _mosaic_vrt(grid: CommonGrid, parts: List[str], parts_name: str, dtype) -> str:
    first = grid.views[0]
    type_name = gdal.GetDataTypeName(gdal_type_of(dtype)[0])
    nodata = first.nodata[0]
    bands = []
    for b in range(first.band_count):
        sources = "".join(
            f'    <ComplexSource><SourceFilename relativeToVRT="1">'
            f"{escape(parts_name)}/{part}</SourceFilename><SourceBand>{b + 1}</SourceBand>"
            f"<UseMaskBand>true</UseMaskBand>"
            f'<SrcRect xOff="0" yOff="0" xSize="{p.cols}" ySize="{p.rows}"/>'
            f'<DstRect xOff="{p.col}" yOff="{p.row}" xSize="{p.cols}" ySize="{p.rows}"/>'
            "</ComplexSource>\n"
            for part, p in zip(parts, grid.placements))
        bands.append(
            f'  <VRTRasterBand dataType="{type_name}" band="{b + 1}">\n'
            + (f"    <NoDataValue>{_nodata_text(nodata)}</NoDataValue>\n"
               if nodata is not None else "")
            + sources + "  </VRTRasterBand>\n")
    mask = ""
    if nodata is None:  # no no-data value to leave: the mosaic's own mask, index >= 0
        mask = ('  <MaskBand><VRTRasterBand dataType="Byte">\n'
                f'    <ComplexSource><SourceFilename relativeToVRT="1">{escape(parts_name)}/'
                f"{INDEX}</SourceFilename><SourceBand>1</SourceBand><LUT>-1:0,0:255</LUT>"
                "</ComplexSource>\n  </VRTRasterBand></MaskBand>\n")
    return (f'<VRTDataset rasterXSize="{grid.cols}" rasterYSize="{grid.rows}">\n'
            f"  <SRS>{escape(grid.crs_wkt)}</SRS>\n"
            f"  <GeoTransform>{_geotransform_text(grid.geotransform)}</GeoTransform>\n"
            + "".join(bands) + mask + "</VRTDataset>\n")


def write_vrt_mosaic(grid: CommonGrid, output: str, outputs: OutputSet, windows,
                     renamed: Optional[Dict[str, str]] = None, dtype=None) -> None:
    """``output`` (.vrt) and its parts folder, made and marked as the run's (only such a
    folder is ever replaced); ``windows`` yields (window, values, source); ``renamed``:
    final paths of images read from staged temporaries; the mosaic's bands are of type
    ``dtype`` (see build.mosaic_type; None: the first input's)."""
    dtype = grid.views[0].numpy_type if dtype is None else dtype
    if gdal_type_of(dtype)[1] or any(v.signed_byte for v in grid.views):
        raise InputError(f"{output}: before GDAL 3.7 a VRT cannot show signed bytes "
                         "(PIXELTYPE=SIGNEDBYTE) as signed values. Fix: write the mosaic as "
                         "a GeoTIFF (.tif).")
    final_parts = parts_folder(output)
    folder = outputs.temporary_folder_for(final_parts)
    index_type = gdal.GDT_Int16 if len(grid.placements) < 32767 else gdal.GDT_Int32
    index = create_geotiff(os.path.join(folder, INDEX), grid.cols, grid.rows, 1, index_type,
                           grid.geotransform, grid.crs_wkt, nodata=[-1])
    try:
        for win, _, source in windows:
            index.GetRasterBand(1).WriteArray(source, win.col, win.row)
        index.FlushCache()
    except RuntimeError as exc:
        raise InputError(f"{output}: writing the mosaic failed ({exc}). Fix: check free space "
                         "and permissions of its folder.") from None
    finally:
        index = None
    try:
        parts = [_part_vrt(k, view, native, grid, folder, renamed or {})
                 for k, (view, native) in enumerate(zip(grid.views, grid.native))]
        tmp = outputs.temporary_for(output, ".vrt")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(_mosaic_vrt(grid, parts, os.path.basename(final_parts), dtype))
    except OSError as exc:  # disk full, permission lost
        raise InputError(f"{output}: writing the mosaic failed ({exc.strerror or exc}). Fix: "
                         "check free space and permissions of its folder.") from None
