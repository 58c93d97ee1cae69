"""`python -m procflow.cli`."""

from .main import main_entry

main_entry()
