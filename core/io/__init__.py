"""GDAL in and out: rasters and their windows, the one threaded window loop, GeoTIFF
creation, and outputs that appear all together or not at all. Imports only core's base
modules (errors, feedback)."""
