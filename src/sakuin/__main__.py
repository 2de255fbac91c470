"""``python -m sakuin`` runs the CLI."""

from sakuin.cli import main

main()
