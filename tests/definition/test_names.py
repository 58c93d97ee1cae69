"""States and triggers may not take names the state-machine library (transitions) uses for itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from transitions import Machine

from procflow.definition.loader import check
from procflow.definition.names import reserved_reason
from tests.definition.conftest import find


@pytest.mark.parametrize("name", ["state", "trigger", "may_trigger", "machine", "to_review", "is_draft", "may_send"])
def test_a_trigger_named_like_the_library_is_refused_at_load(mini_copy: Callable[[str, str], Path], name: str) -> None:
    path = mini_copy("  - trigger: send\n", f"  - trigger: {name}\n")
    problem = find(check(path).errors, f"trigger {name!r}")
    assert problem.path == "transitions[0].trigger"
    assert "state-machine library" in problem.message and "rename it" in problem.message


@pytest.mark.parametrize("name", ["state", "trigger", "machine", "to_do", "is_open", "may_be"])
def test_a_state_named_like_the_library_is_refused_at_load(mini_copy: Callable[[str, str], Path], name: str) -> None:
    path = mini_copy("  rejected: {stage: deciding", f"  {name}: {{stage: deciding")
    text = path.read_text("utf-8").replace("to: rejected", f"to: {name}")
    path.write_text(text, "utf-8")
    problem = find(check(path).errors, f"state {name!r}")
    assert problem.path == f"states.{name}"


def test_ordinary_names_are_not_reserved() -> None:
    for name in ("review", "send", "statement", "triggered", "today", "island", "mayday"):
        assert reserved_reason(name) is None


def test_every_attribute_transitions_gives_a_model_is_covered() -> None:
    """If a future transitions adds a model attribute, this names it."""

    class Model:
        pass

    model = Model()
    before = set(vars(model))
    Machine(model=model, states=["alpha", "beta"], transitions=[["go", "alpha", "beta"]], initial="alpha")
    added = set(vars(model)) - before
    assert added, "transitions no longer decorates models: revisit engine/definition/names.py"
    uncovered = {a for a in added if a != "go" and reserved_reason(a) is None}
    assert uncovered == set()
    assert reserved_reason("go") is None  # a trigger's own name is fine: only the library's names are refused
