"""`python -m engine` runs the command line (the same as the `procflow` script)."""

from engine.cli.main import main_entry

main_entry()
