"""Where pixels are: the common grid of a run's inputs and their placements on it, the one
overlap finder, the block grid, block maps, interpolation of block maps to pixels, and the
exclusion mask. Imports io and the base modules."""
