"""The runs: the only orchestrators. Each takes the inputs and options objects
(:mod:`.options`) and returns one :class:`~.options.RunResult`. Nothing in core imports
this package except the package's own facade (``core/__init__.py``)."""
