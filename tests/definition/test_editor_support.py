"""Editor support: every key of the process schema has hover help and completion examples, and the examples are valid.

The YAML language server shows a key's `description` on hover and offers its
`examples` on completion, so each property carries both itself (a `$ref`'d
definition's text is generic: "An id: ..."). The walk starts at the root and
follows local `$ref`s, as an editor does, so it covers exactly the keys a
process owner can write. Each example is validated against the subschema it
belongs to, with the whole schema as the root so `$ref`s inside it resolve.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from procflow import check
from tests.conftest import PROCESSES, ROOT

SCHEMA: dict[str, Any] = json.loads((ROOT / "schemas" / "process.schema.json").read_text("utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
SHIPPED = [PROCESSES / "sales.yaml", PROCESSES / "complaint.yaml"]
ANNOTATIONS = ("const", "enum", "examples", "default")  # keywords whose values are data, not schemas


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _at(pointer: str) -> Any:
    """The node at a local JSON pointer such as '#/$defs/id'."""
    node: Any = SCHEMA
    for part in pointer.removeprefix("#").split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _reachable() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object reachable from the root, following local `$ref`s, each once, with its pointer."""
    seen: set[str] = set()
    pending: list[tuple[str, Any]] = [("#", SCHEMA)]
    while pending:
        where, node = pending.pop()
        if isinstance(node, list):
            pending.extend((f"{where}/{i}", item) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict) or where in seen:
            continue
        seen.add(where)
        yield where, node
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/"), f"{where}: only local $refs are expected, found {ref!r}"
            pending.append((ref, _at(ref)))
        pending.extend((f"{where}/{_escape(k)}", v) for k, v in node.items() if k not in ANNOTATIONS)


NODES = sorted(_reachable())
PROPERTIES = sorted(
    (f"{where}/properties/{_escape(name)}", sub)
    for where, node in NODES
    for name, sub in (node.get("properties") or {}).items()
)
EXAMPLES = [
    pytest.param(where, node, i, example, id=f"{where}/examples/{i}")
    for where, node in NODES
    for i, example in enumerate(node.get("examples") or [])
]


def test_the_walk_reaches_the_definitions_behind_refs() -> None:
    reached = {where for where, _ in PROPERTIES}
    assert "#/properties/calendar/properties/cutoff" in reached
    assert "#/$defs/deadline/properties/recurring/properties/per" in reached
    assert (
        "#/$defs/computed/properties/fields/additionalProperties/oneOf/1/items/oneOf/1/properties/otherwise" in reached
    )
    assert len(PROPERTIES) > 70


def test_every_property_has_a_description() -> None:
    missing = [
        where
        for where, sub in PROPERTIES
        if not (isinstance(sub.get("description"), str) and sub["description"].strip())
    ]
    assert missing == [], "give these properties a description (shown on hover)"


def test_every_property_has_one_to_three_examples() -> None:
    wrong = [
        where
        for where, sub in PROPERTIES
        if not (isinstance(sub.get("examples"), list) and 1 <= len(sub["examples"]) <= 3)
    ]
    assert wrong == [], "give these properties 1-3 examples (offered on completion)"


@pytest.mark.parametrize(("where", "node", "index", "example"), EXAMPLES)
def test_every_example_is_valid_where_it_is_offered(where: str, node: dict[str, Any], index: int, example: Any) -> None:
    errors = [e.message for e in VALIDATOR.evolve(schema=node).iter_errors(example)]
    assert errors == [], f"{where}/examples/{index} = {example!r}"


def test_id_examples_are_ids_the_shipped_processes_use() -> None:
    text = "\n".join(path.read_text("utf-8") for path in SHIPPED)
    invented = [
        f"{where}: {example!r}"
        for where, sub in PROPERTIES
        if sub.get("$ref") == "#/$defs/id"
        for example in sub.get("examples", [])
        if not re.search(rf"(?<![\w.:]){re.escape(example)}(?![\w])", text)
    ]
    assert invented == [], "take id examples from processes/sales.yaml or processes/complaint.yaml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_processes_still_check_clean(path: Any) -> None:
    assert check(path).problems == []
