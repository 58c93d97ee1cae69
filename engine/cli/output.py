"""Where command output goes: standard output or a file written atomically, and JSON in one shape."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError


def emit(text: str, output: str | None, out: TextIO) -> None:
    """Write to `output` (atomically) if given, else to standard output."""
    if output:
        write_atomic(Path(output), text)
        print(f"wrote {output}", file=out)
    else:
        out.write(text)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def print_json(value: Any, out: TextIO) -> None:
    """JSON as every command prints it: UTF-8 text (not escapes), indented, one trailing newline."""
    json.dump(value, out, ensure_ascii=False, indent=2)
    out.write("\n")


def stream_json(values: Iterable[Any], out: TextIO) -> None:
    """A JSON array written item by item (a list of 100,000 cases is never held whole), in `print_json`'s shape."""
    first = True
    for value in values:
        out.write("[\n  " if first else ",\n  ")
        out.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")
