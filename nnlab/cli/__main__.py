"""``python -m nnlab.cli``: the same as the ``nnlab`` command."""

from . import main

main()
