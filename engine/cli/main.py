"""`procflow`: a thin command line over the library. Parse, call, print, exit code.

Each area module registers its own subcommands beside their handlers; this module only assembles them and
maps errors to exit codes: 0 ok; 1 invalid definition (validate) or other error; 2 usage or unreadable input;
3 refused by the process; 4 store error; 70 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from .. import terminal
from ..errors import ProcflowError

# Which area module registers each subcommand, so a call imports only its own area (and what that imports):
# `procflow status` never loads the server, PostgreSQL, Graphviz or the reports. A test checks the table
# against what the areas register.
AREAS: dict[str, tuple[str, ...]] = {
    "definitions": ("validate", "show", "graph", "handbook", "simulate", "diff"),
    "cases": ("start", "submit", "publish", "fire", "status", "available", "render", "history", "list"),
    "signoffs": ("sign", "signers"),
    "time": ("overdue", "tick", "worker"),
    "audit": ("verify", "audit", "report", "checkpoint"),
    "evidence": ("keygen", "calendar", "authority", "backtest", "verify-bundle"),
    "admin": ("export", "import", "versions", "migrate", "demo"),
    "notify": ("outbox",),
    "following": ("follow", "unfollow", "followers"),
    "server": ("serve", "account", "token", "integration"),
    "team": ("team",),
    "work": ("assign", "claim", "release", "delegate", "transfer", "inbox"),
    "project": ("init", "completion"),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The subcommands: only the named command's area when `argv` starts with a known command, every area
    otherwise (top-level help, a mistyped command: the message lists them all)."""
    import importlib

    from .options import Parents, Parser, add_language
    from .teach import teach

    command = next(iter(argv or ()), "")
    areas = [area for area, commands in AREAS.items() if command in commands] or list(AREAS)
    parser = Parser(prog="procflow", description="Run declarative YAML business processes.")
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    parents = Parents.build()
    for area in areas:
        importlib.import_module(f"procflow.cli.{area}").register(sub, parents)
    add_language(parser)
    teach(dict(sub.choices))
    return parser


def version_line() -> str:
    from .. import __version__

    return f"procflow {__version__} (Python {sys.version.split()[0]})"


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = terminal.tolerant(out or sys.stdout), terminal.tolerant(err or sys.stderr)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before any command is imported
        print(version_line(), file=out)
        return 0
    try:
        args = build_parser(argv).parse_args(argv)
        terminal.refuse_undecodable(args)
        run: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.run
        return run(args, out, err)
    except ProcflowError as exc:
        print(f"procflow: error: {exc.message}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("procflow: interrupted", file=err)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("PROCFLOW_DEBUG"):
            raise
        print(f"procflow: internal error: {type(exc).__name__}: {exc} (set PROCFLOW_DEBUG=1 for details)", file=err)
        return 70


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
