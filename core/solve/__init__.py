"""Least-squares systems, arrays in and arrays out: the constrained solver and the systems
built on it (global gains and offsets, per-block consensus). Imports numpy and scipy only."""
