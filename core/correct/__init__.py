"""What a run fits and applies: the global and local models with their ``correction()``,
their fits from the statistics, the local forms (gamma, linear, offset) and the saved-model
file format. Imports solve, stats, grid, io and the base modules."""
