"""The format reference (docs/process-format.md) says what the schema says: every top-level key in its key table,
every message kind and message variable; and it no longer calls deadlines "not yet enforced"."""

from __future__ import annotations

import json
import re

from procflow.definition.messages import CONTEXT, KINDS
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "process-format.md").read_text("utf-8")
SCHEMA = json.loads((ROOT / "engine" / "definition" / "process.schema.json").read_text("utf-8"))


def test_the_key_table_lists_every_top_level_key_of_the_schema() -> None:
    table = DOC.split("| Key | Required | Meaning | Example |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\| `([a-z_]+)` \|", table, re.MULTILINE)
    assert sorted(listed) == sorted(SCHEMA["properties"])
    required = set(SCHEMA["required"])
    for key in listed:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}` |"))
        assert row.split("|")[2].strip() == ("yes" if key in required else "no"), key


def test_deadlines_are_described_as_enforced() -> None:
    assert "not yet enforced" not in DOC and "enforced at run time" in DOC


def test_every_message_kind_and_variable_is_documented() -> None:
    section = DOC.split("### 7.1 Message templates", 1)[1].split("\n## ", 1)[0]
    assert f"`messages: {{{', '.join(KINDS)}}}`" in section
    for root, fields in CONTEXT.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{root}` |"))
        for name in fields:
            assert f"`{name}`" in row, f"{root}.{name}"
