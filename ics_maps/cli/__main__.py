"""`python -m ics_maps.cli ...` runs the command line."""

import sys

from ics_maps.cli.main import main

sys.exit(main())
