"""The command line: `main` parses, runs one subcommand of one area module, and maps errors to exit codes."""

from .main import build_parser, main, main_entry

__all__ = ["build_parser", "main", "main_entry"]
