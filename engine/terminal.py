"""What the command line does about text it cannot encode: terminals that cannot show it, undecodable arguments.

A terminal in an ASCII or Latin-1 locale cannot show the Chinese of the sales
process; Python's strict default turns the first such character into a crash.
Output streams are switched to replace what they cannot show (with `?`)
instead. Arguments that are not valid UTF-8 arrive as lone surrogates (PEP
383): harmless as a file name the operating system gave us, but as a case id
or a process name they cannot be stored or printed, so they are refused with
a message saying which argument it is.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
from typing import TextIO

from .canonical import has_lone_surrogate
from .errors import UsageError

_OUTPUT_ARGUMENTS = frozenset({"output", "out"})  # paths we create: they need not exist yet


def tolerant(stream: TextIO) -> TextIO:
    """`stream`, switched to replace characters its encoding cannot show (a no-op for in-memory text)."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
        stream.reconfigure(errors="replace")
    return stream


def refuse_undecodable(args: argparse.Namespace) -> None:
    """`UsageError` if an argument that is not a file name holds bytes that are not UTF-8."""
    for name, value in vars(args).items():
        if dataclasses.is_dataclass(value) and not isinstance(value, type):  # e.g. --as USER:ROLE
            value = [v for v in dataclasses.astuple(value) if isinstance(v, str)]
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str) or text.isascii() or not has_lone_surrogate(text):
                continue
            if name in _OUTPUT_ARGUMENTS or os.path.lexists(text):
                continue  # a file name: the operating system accepts its bytes as they are
            shown = os.fsencode(text).decode("utf-8", "backslashreplace")
            raise UsageError(
                f"argument {name!r} is not valid UTF-8 text ({shown}); "
                "ids and names must be UTF-8 (check the terminal's encoding, e.g. LANG=C.UTF-8)"
            )
