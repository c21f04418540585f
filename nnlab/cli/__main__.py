"""`python -m nnlab.cli ...` (the Makefile's `make release` uses it)."""
import sys

from nnlab.cli.app import main

sys.exit(main())
