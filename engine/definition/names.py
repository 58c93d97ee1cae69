"""Names the state-machine library owns: a state or trigger may not be called like one of them.

`transitions` gives every model it drives the attribute `state` (its
`model_attribute`), the methods `trigger` and `may_trigger`, and per state and
trigger the convenience methods `to_<state>`, `is_<state>`, `<trigger>` and
`may_<trigger>` (transitions/core.py: `_add_model_to_state`,
`_add_trigger_to_model`, `_add_may_transition_func_for_trigger`, and the
`model_attribute` check in `add_transition`). A trigger called `state` is
refused by the library itself at start-up; the others silently shadow one
another. Any of them is refused at load, where the process owner can rename it.
"""

from __future__ import annotations

from collections.abc import Iterator

from .model import ProcessDefinition
from .reader import Path

# the hierarchical machine adds `model`, `to_state` and `get_state`, and per state `on_enter_*` / `on_exit_*` /
# `on_final_*` callbacks it would look up on the model
RESERVED = frozenset({"state", "trigger", "may_trigger", "machine", "model", "to_state", "get_state"})
RESERVED_PREFIXES = ("to_", "is_", "may_", "on_enter_", "on_exit_", "on_final_")
_HINT = "; rename it (for example {}_step)"


def reserved_reason(name: str) -> str | None:
    """Why `name` collides with the state-machine library, or None if it does not."""
    if name in RESERVED:
        return f"{name!r} is a name the state-machine library uses itself"
    for prefix in RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"names starting with {prefix!r} are the state-machine library's own ({prefix}<name> methods)"
    return None


def reserved_names(definition: ProcessDefinition) -> Iterator[tuple[Path, str, bool]]:
    """(path, message, whether the path is a key) for each state id and trigger the library would take as its own."""
    for state in definition.states.values():
        reason = reserved_reason(state.id)
        if reason:
            yield ("states", state.id), f"state {state.id!r}: {reason}{_HINT.format(state.id)}", True
    seen: set[str] = set()
    for t in definition.transitions:
        reason = reserved_reason(t.trigger)
        if reason and t.trigger not in seen:
            seen.add(t.trigger)
            yield (
                ("transitions", t.index, "trigger"),
                f"trigger {t.trigger!r}: {reason}{_HINT.format(t.trigger)}",
                False,
            )
