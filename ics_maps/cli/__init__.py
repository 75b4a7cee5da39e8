"""The command line: `ics-maps build | info | export` (``main``; export subcommands in
``export``)."""

from ics_maps.cli.main import main

__all__ = ["main"]
