"""`python -m app`: the strategy-session page, started as `placesim app` starts it."""
import os
import sys

# As `placesim` does before numba is imported (experiments/cli.py; docs/ODD.md 10.2): no
# Intel SVML, whose CPU-specific exp and log would change the last bits of results.
os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

from app.cli import main  # noqa: E402  after the environment above

if __name__ == "__main__":
    sys.exit(main())
