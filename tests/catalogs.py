"""The message catalogs against the code: what Babel's extractor finds in `engine/` (as `babel.cfg` says), and
the maintainer's step that brings the catalogs up to date.

    python -m tests.catalogs          # add new msgids to every catalog (translations kept), drop unused ones
    python -m tests.catalogs compile  # after translating: compile every .po to the .mo the run reads

Translate the new entries of `engine/locale/zh_CN/LC_MESSAGES/procflow.po` (an empty msgstr is untranslated;
`tests/test_i18n.py` fails until none is, and while a `.mo` does not match its `.po`). English is the source
language: its catalog lists every msgid with an empty msgstr, and is the template a translator to a new
language starts from.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "engine" / "locale"
KEYWORDS = {"_": None}


def extracted() -> dict[str, list[tuple[str, int]]]:
    """Every msgid marked in `engine/` (Python and Jinja templates) → where it is used."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, list[tuple[str, int]]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        ROOT / "engine", method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, []).append((f"engine/{filename}", line))
    return found


def catalog_path(folder: str) -> Path:
    return LOCALE / folder / "LC_MESSAGES" / "procflow.po"


def read(folder: str) -> Catalog:
    with catalog_path(folder).open("rb") as handle:
        return read_po(handle)


def compiled(folder: str) -> bytes:
    """The `.mo` the catalog's `.po` compiles to (what the run reads)."""
    out = io.BytesIO()
    write_mo(out, read(folder))
    return out.getvalue()


def update() -> None:
    """Every catalog holds exactly the extracted msgids (translations already made are kept), and is compiled."""
    messages = extracted()
    for folder, language in (("en", "en"), ("zh_CN", "zh_CN")):
        path = catalog_path(folder)
        old = read(folder) if path.exists() else Catalog(locale=language)
        new = Catalog(locale=language, project="procflow", domain="procflow")
        for msgid, places in sorted(messages.items()):
            before = old.get(msgid)
            new.add(msgid, before.string if before is not None and folder != "en" else "", locations=places)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, new, width=120, omit_header=False, sort_output=True)
    compile_all()


def compile_all() -> None:
    for folder in ("en", "zh_CN"):
        catalog_path(folder).with_suffix(".mo").write_bytes(compiled(folder))


if __name__ == "__main__":
    import sys

    compile_all() if sys.argv[1:] == ["compile"] else update()
