"""Processing algorithms: thin wrappers that turn parameters into one call of core."""
