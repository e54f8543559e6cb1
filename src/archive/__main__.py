"""``python -m archive``: the same as the ``archive`` command."""

from .cli import main

main()
