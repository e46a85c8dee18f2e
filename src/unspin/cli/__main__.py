"""``python -m unspin.cli``."""

import sys

from unspin.cli import main

sys.exit(main())
