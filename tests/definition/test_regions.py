"""Load-time checks for states with regions: each mistake located in the file, with what to do instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from procflow.definition.loader import check
from tests.conftest import ROOT, line_of

PARALLEL = ROOT / "tests" / "fixtures" / "parallel" / "processes" / "parallel.yaml"


def _copy(tmp_path: Path, edits: list[tuple[str, str]]) -> Path:
    shutil.copytree(PARALLEL.parent.parent, tmp_path / "parallel")
    path = tmp_path / "parallel" / "processes" / "parallel.yaml"
    text = path.read_text("utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
    return path


def test_the_fixture_with_regions_has_no_problems() -> None:
    assert check(PARALLEL).problems == []


CASES = [
    pytest.param(
        [("paid: {title: Paid, final: true}", "paid: {title: Paid}")],
        "region 'payment' of 'fulfilment' has no end",
        "      payment:",
        id="region-without-end",
    ),
    pytest.param(
        [("    owner: clerk\n    regions:", "    owner: clerk\n    join: [goods, shipping]\n    regions:")],
        "the join names region 'shipping'",
        "join: [goods, shipping]",
        id="join-on-missing-region",
    ),
    pytest.param(
        [
            ("{trigger: deliver, from: shipped, to: delivered,", "{trigger: deliver, from: shipped, to: picking,"),
            ("{trigger: recall, from: shipped, to: picking,", "{trigger: recall, from: shipped, to: shipped,"),
        ],
        "the join of 'fulfilment' can never complete: region 'goods'",
        "      goods:",
        id="join-never-completes",
    ),
    pytest.param(
        [("{trigger: ship, from: picking, to: shipped,", "{trigger: ship, from: picking, to: closed,")],
        "a region's moves stay in it",
        "{trigger: ship, from: picking",
        id="move-out-of-a-region",
    ),
    pytest.param(
        [("{trigger: place, from: draft, to: fulfilment,", "{trigger: place, from: draft, to: picking,")],
        "goes into region state 'picking' from outside its region",
        "{trigger: place, from: draft",
        id="move-into-a-region",
    ),
    pytest.param(
        [("  - trigger: settle\n", "  - trigger: ship\n")],
        "trigger 'ship' moves both region 'goods' and region 'payment'",
        "  - trigger: ship",
        id="trigger-in-two-regions",
    ),
    pytest.param(
        [
            (
                "          paid: {title: Paid, final: true}",
                "          paid: {title: Paid, final: true}\n          draft: {title: Again, final: true}",
            )
        ],
        "state id 'draft' is used twice",
        "          draft: {title: Again",
        id="duplicate-state-id",
    ),
    pytest.param(
        [("initial: invoicing", "initial: invoiced")],
        "region 'payment' starts in 'invoiced'",
        "initial: invoiced",
        id="unknown-initial",
    ),
]


@pytest.mark.parametrize(("edits", "phrase", "line"), CASES)
def test_region_mistakes_are_errors_at_their_place(
    tmp_path: Path, edits: list[tuple[str, str]], phrase: str, line: str
) -> None:
    path = _copy(tmp_path, edits)
    result = check(path)
    found = [p for p in result.errors if phrase in p.message]
    assert len(found) == 1, "\n".join(str(p) for p in result.problems)
    assert found[0].line == line_of(path, line)
    assert result.definition is None


def test_interrupts_outside_regions_is_a_warning(tmp_path: Path) -> None:
    path = _copy(
        tmp_path,
        [
            (
                "{trigger: close, from: fulfilment, to: closed, roles: [clerk]}",
                "{trigger: close, from: fulfilment, to: closed, roles: [clerk]}\n"
                "  - {trigger: drop, from: draft, to: cancelled, roles: [clerk], interrupts: true}",
            )
        ],
    )
    result = check(path)
    assert [p.message for p in result.warnings] == [
        "'drop' leaves no state with regions, so 'interrupts' has no effect"
    ]
    assert result.definition is not None
