"""Errors and warnings that name the dataset, the file and what was expected."""

from __future__ import annotations


class DataError(ValueError):
    """A source file is missing, unreadable or not what the catalogue says it should be.

    ``dataset`` is a catalogue entry (its id and title are quoted) or a plain name such as a
    vintage id.
    """

    def __init__(self, dataset, message: str):
        title = getattr(dataset, "title", None)
        if not isinstance(title, str):  # a plain string's .title is a method, not a title
            title = None
        ident = getattr(dataset, "id", dataset)
        self.dataset_id = ident
        where = f"{ident} ({title})" if title else str(ident)
        super().__init__(f"[{where}] {message}")


class AtlasUnreadable(FileNotFoundError):
    """A stored atlas is missing, damaged (a checksum or row count differs from its meta.json),
    of an older format, or named by a pointer that leaves the atlas folder. The message says what
    to run."""


class DataWarning(UserWarning):
    """The data is usable but something is off (reported in the atlas meta and by `ics-maps
    info`)."""
