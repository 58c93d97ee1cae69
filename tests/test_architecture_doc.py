"""docs/architecture.md stays true: its layer table places every part of engine/, and the imports obey it."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.test_architecture import ENGINE, PACKAGE, _module_name, _part, part_graph

DOC = ROOT / "docs" / "architecture.md"


def layer_table() -> tuple[dict[str, str], dict[str, set[str]], set[str]]:
    """(part → layer, layer → the layers it may import, parts marked as coming) from the doc's table."""
    part_layer: dict[str, str] = {}
    allowed: dict[str, set[str]] = {}
    coming: set[str] = set()
    order: list[str] = []
    for line in DOC.read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("layer", "---") or not line.startswith("|"):
            continue
        layer, parts, may = cells
        for match in re.finditer(r"`([a-z_][a-z0-9_]*)/?`( \*\(coming\)\*)?", parts):
            part_layer[match[1]] = layer
            if match[2]:
                coming.add(match[1])
        allowed[layer] = set(order) if may == "every layer above" else {m.strip() for m in may.split(",")} - {"—"}
        order.append(layer)
    return part_layer, allowed, coming


def engine_parts() -> set[str]:
    return {_part(_module_name(path)) for path in ENGINE.rglob("*.py")} - {PACKAGE}


def test_every_part_of_the_engine_has_a_layer_and_no_listed_part_is_a_ghost() -> None:
    part_layer, _, coming = layer_table()
    assert sorted(engine_parts() - set(part_layer)) == [], "parts missing from docs/architecture.md"
    assert sorted(set(part_layer) - coming - engine_parts()) == [], "parts the doc lists that do not exist"


def test_every_import_goes_to_the_same_layer_or_one_it_may_import() -> None:
    part_layer, allowed, _ = layer_table()
    breaks = [
        f"{source} ({part_layer[source]}) → {target} ({part_layer[target]})"
        for source, targets in sorted(part_graph().items())
        for target in sorted(targets)
        if part_layer[target] != part_layer[source] and part_layer[target] not in allowed[part_layer[source]]
    ]
    assert breaks == [], "imports against docs/architecture.md: " + "; ".join(breaks)


def test_the_table_reads_as_written() -> None:
    part_layer, allowed, _ = layer_table()
    assert part_layer["records"] == "ground" and allowed["ground"] == set()
    assert allowed["runtime"] == {"ground", "store", "language", "definition", "time", "people"}
    assert "runtime" not in allowed["people"]  # the engine resolves roles through people/, never the reverse
    assert allowed["faces"] >= {"runtime", "services", "people"} and "faces" not in allowed["faces"]
