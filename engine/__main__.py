"""`python -m procflow` runs the command line (the same as the `procflow` script)."""

from .cli.main import main_entry

main_entry()
