"""`python -m etl`: generate, load and status."""

import sys

from etl.cli import main

sys.exit(main())
