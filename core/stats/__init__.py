"""Streaming statistics: moments that merge exactly, the passes over the common grid that
gather overlap, image and block statistics, and the robust filter that leaves clouds and
change out. Imports grid, io and the base modules."""
