"""Read a file a user named, refusing what is not a regular file and never reading past a size bound.

`Path.read_bytes()` on `/dev/zero`, a FIFO or a huge file reads until memory
runs out (or blocks forever). Every file procflow reads on someone's say-so —
process files, their schemas and templates, document data, scenarios, case
exports — comes through `read_bounded`, which opens without blocking, checks
the opened descriptor is a regular file, and reads at most `limit + 1` bytes.
The name `-` means standard input, read within the same bound.
"""

from __future__ import annotations

import os
import stat
import sys

from .errors import UnreadableFile

MAX_FILE_BYTES = 1 << 20  # a process file, schema, template, document or case export
STDIN = "-"  # the file name that means standard input, wherever a user names a file to read


def shown(path: str | os.PathLike[str]) -> str:
    """`path` as text that can always be printed (undecodable bytes of a file name become `\\xNN`)."""
    if os.fspath(path) == STDIN:
        return "<stdin>"
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES, *, what: str = "file") -> bytes:
    """The bytes of the regular file at `path`; `UnreadableFile` if it is not one, or is larger than `limit`."""
    name = shown(path)
    if os.fspath(path) == STDIN:
        return _stdin(limit, what)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UnreadableFile(name, exc.strerror or str(exc)) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a device, pipe or socket)"
            raise UnreadableFile(name, f"it is {kind}")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(name, exc.strerror or str(exc)) from None
    finally:
        os.close(descriptor)
    if len(raw) > limit:
        raise UnreadableFile(name, f"it is larger than the {limit} bytes allowed for a {what}")
    return raw


def _stdin(limit: int, what: str) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UnreadableFile("<stdin>", "there is no standard input to read")
    try:
        raw: bytes = stream.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile("<stdin>", exc.strerror or str(exc)) from None
    if len(raw) > limit:
        raise UnreadableFile("<stdin>", f"it is larger than the {limit} bytes allowed for a {what}")
    return raw
