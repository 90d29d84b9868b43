"""``python -m modelpools``: the modelpools command line."""

import sys

from .cli import main

sys.exit(main())
