"""`python -m app`: the strategy-session page, started as `placesim app` starts it."""
import sys

from sim.kernels.cache import prepare_kernels

prepare_kernels()   # as `placesim` does, before numba is imported (docs/ODD.md 10.2)

from app.cli import main  # noqa: E402  after the kernels are prepared

if __name__ == "__main__":
    sys.exit(main())
