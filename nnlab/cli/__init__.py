"""The ``nnlab`` command line: argument handling and presentation only; the work is in the API.

One module per group of commands, named after it; importing them registers their commands on
`app`. Nothing heavy (NumPy, pydantic, YAML, matplotlib) is imported before a command runs, so
``nnlab --help`` stays fast.
"""

# Importing the command modules registers their commands; --help lists them in this order.
from .app import app  # noqa: I001
from . import train, config, eval, gradcheck, plot, runs, sweep, lessons, data  # noqa: F401


def main() -> None:
    app()


__all__ = ["app", "main"]
