"""How demo/data was made (run once by the developers; the result is committed).

Three real, nearly cloud-free Landsat dates of one area, each cut to a different quarter of
the scene (upper left, upper right, lower left) so that the tiles overlap by about 30% like the
scenes of a mosaic: every overlap shows the real radiometric difference between two dates.
Bands: blue, green, red, near infrared.

usage: /usr/bin/python3 demo/make_demo_data.py ../shared/data/landsat demo/data
"""
import os
import sys

from osgeo import gdal

gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")  # no .aux.xml beside the tiles

DATES = ["20210326", "20230503", "20240302"]  # upper left, upper right, lower left
BANDS = [2, 3, 4, 5]  # Landsat 8/9 OLI: blue, green, red, NIR
OVERLAP = 0.3


def main(source: str, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    first = gdal.Open(os.path.join(source, f"Landsat_{DATES[0]}.tif"))
    cols, rows = first.RasterXSize, first.RasterYSize
    tw, th = int(cols / (2 - OVERLAP)), int(rows / (2 - OVERLAP))
    for k, date in enumerate(DATES):
        i, j = divmod(k, 2)
        col, row = (cols - tw) * j, (rows - th) * i
        gdal.Translate(
            os.path.join(target, f"landsat_{date}_tile{k + 1}.tif"),
            os.path.join(source, f"Landsat_{date}.tif"),
            srcWin=[col, row, tw, th],
            bandList=BANDS,
            creationOptions=["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"],
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
