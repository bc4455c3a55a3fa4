"""Exceptions raised by core, with messages a user can act on."""


class SpectralMatchError(Exception):
    """Base class: something about the inputs or the run prevents matching."""


class InputError(SpectralMatchError):
    """An input raster, parameter or output location cannot be used; the message names it."""


class Cancelled(SpectralMatchError):
    """The caller asked to stop; outputs of the run have been removed (``kept`` lists the
    complete outputs of an earlier step that stay, e.g. matched rasters whose mosaic was
    cancelled)."""

    def __init__(self, message: str = "", kept=()):
        super().__init__(message)
        self.kept = list(kept)


class Interrupted(Cancelled):
    """The process was asked to stop by a signal (SIGINT, SIGTERM) while a run was going
    on; its temporaries have been removed and older outputs are unchanged."""


class ClusterError(SpectralMatchError):
    """The Dask cluster a run was given cannot be used or was lost; no output was kept."""
