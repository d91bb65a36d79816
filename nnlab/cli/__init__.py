"""The ``nnlab`` command line: argument handling and presentation only; the work is in the API.

One module per group of commands; importing them registers their commands on `app`.
"""

# Importing the command modules registers their commands; --help lists them in this order.
from .common import app  # noqa: I001
from . import train  # noqa: F401
from . import evaluate  # noqa: F401
from . import runs  # noqa: F401
from . import lessons  # noqa: F401


def main() -> None:
    app()


__all__ = ["app", "main"]
