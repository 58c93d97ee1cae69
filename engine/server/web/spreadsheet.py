"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Chinese), standard quoting, and cells
that a spreadsheet would run as a formula made inert.

A cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return, which Excel skips before looking) is
a formula to Excel and LibreOffice: a loss reason typed as `=HYPERLINK(...)` would run on the reader's
machine. Such a cell gets a leading apostrophe, unless it is a plain number (`-5`, `+1.5` stay numbers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower() not in ("nan", "inf", "-inf", "+inf", "infinity")


def inert(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([inert(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def rewritten(text: str) -> bytes:
    """A CSV text written by the library (`review_page.csv_text`) as spreadsheet-safe bytes."""
    return csv_bytes(csv.reader(io.StringIO(text, newline="")))
