"""The seamless mosaic: each image on coarse cells, seamlines around disagreement and
through agreement, blending, the VRT form and the seamline polygons. Imports stats, grid,
io and the base modules."""
