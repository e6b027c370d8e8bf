"""`python -m replay` is the `replay` command."""

import sys

from replay.cli import main

sys.exit(main())
