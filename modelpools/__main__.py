"""``python -m modelpools``: the modelpools command line."""

import sys

from modelpools.cli import main

sys.exit(main())
