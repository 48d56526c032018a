"""``python -m cscplan``: the same command line as ``cscplan`` (handy on Windows and conda)."""

import sys

from cscplan.cli import main

sys.exit(main())
