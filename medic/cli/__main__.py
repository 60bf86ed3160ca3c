"""``python -m medic.cli``: the ``medic`` command."""

from medic.cli.app import main

main()
