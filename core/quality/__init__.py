"""How well rasters agree where they overlap, and the report of a run. Imports stats, grid,
io and the base modules."""
