"""``python -m backchannel`` runs the CLI."""

from backchannel.cli.main import main

main()
