"""Errors and warnings that name the dataset, the file and what was expected."""

from __future__ import annotations


class DataError(ValueError):
    """A source file is missing, unreadable or not what the catalogue says it should be."""

    def __init__(self, dataset, message: str):
        title = getattr(dataset, "title", None)
        ident = getattr(dataset, "id", dataset)
        self.dataset_id = ident
        where = f"{ident} ({title})" if title else str(ident)
        super().__init__(f"[{where}] {message}")


class DataWarning(UserWarning):
    """The data is usable but something is off (reported in the atlas meta and by `ics-maps
    info`)."""
