"""The only module that touches `transitions`: one hierarchical machine per definition, shared by all cases.

`transitions` decides every move. A state with regions is a *parallel* state of a
`HierarchicalMachine`; its regions are compound children whose end states are
`final`. The runtime hands the machine a throw-away cursor holding the case's
active configuration and the trigger; the machine walks the configuration from
the innermost states out, evaluates each candidate's `conditions` (compiled
Python callables, in the documented refusal order), and leaves the resulting
configuration on the cursor. Cases are never attached (no `add_model`), so the
cost of a move does not grow with the number of cases, and no string from YAML
ever reaches `transitions` as a callback (it would import dotted paths).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from transitions import MachineError

from ..definition.model import ProcessDefinition, State, Transition

SEPARATOR = "."  # state ids never contain it (ids are [a-z0-9_])

Gate = Callable[["Cursor"], bool]
"""One condition of a move, asked of the cursor; False means refused (the gate records why)."""


@cache
def _machine_class() -> type[Any]:
    """`transitions`' hierarchical machine with our separator. Its module imports asyncio (~50 ms), so it is
    loaded when the first machine is built, not by every command that imports the runtime."""
    from transitions.extensions.nesting import HierarchicalMachine, NestedState

    class _State(NestedState):
        separator = SEPARATOR

    class _Machine(HierarchicalMachine):
        state_cls = _State

    return _Machine


class Cursor:
    """What the machine moves: the configuration (a path or a list of paths) and the move it chose."""

    __slots__ = ("fired", "state")

    def __init__(self) -> None:
        self.state: str | list[str] = ""
        self.fired: tuple[Transition, str] | None = None  # the move executed, and the state it left


Configuration = tuple[str, tuple[str, ...]]
"""(top-level state, active leaf states inside it — empty unless the state has regions)."""


class NotAvailable(Exception):
    """No move by this trigger leaves the configuration (the policy turns it into a refusal)."""


class _Condition:
    """Adapts a gate to `transitions`' condition call (send_event: it receives the event data). The last gate
    of a move also records the move on the cursor when it passes: every gate before it passed, so this move is
    the one `transitions` executes (one call fewer than a condition of its own for the choice)."""

    __slots__ = ("fired", "gate")

    def __init__(self, gate: Gate, fired: tuple[Transition, str] | None = None) -> None:
        self.gate, self.fired = gate, fired

    def __call__(self, event: Any) -> bool:
        cursor = event.model
        if not self.gate(cursor):
            return False
        if self.fired is not None:
            cursor.fired = self.fired
        return True


def _conditions(gates: Sequence[Gate], transition: Transition, source: str) -> list[_Condition]:
    """The move's gates in order, the last one recording the choice (a move with no gate always passes)."""
    chosen = (transition, source)
    if not gates:
        return [_Condition(lambda cursor: True, chosen)]
    return [*(_Condition(g) for g in gates[:-1]), _Condition(gates[-1], chosen)]


class ProcessMachine:
    def __init__(self, definition: ProcessDefinition, gates: Callable[[Transition, str], Sequence[Gate]]) -> None:
        """`gates(transition, source)` gives the conditions of one move from one source state, in order."""
        self._paths = {sid: path_of(definition, sid) for sid in definition.states}
        self._ids = {path: sid for sid, path in self._paths.items()}
        transitions = [
            {
                "trigger": t.trigger,
                "source": self._paths[source],
                "dest": self._paths[t.dest],
                "conditions": _conditions(gates(t, source), t, source),
            }
            for t in definition.transitions
            for source in t.sources
        ]
        self._machine = _machine_class()(
            model=None,
            states=_tree(definition, (s for s in definition.states.values() if s.parent is None)),
            transitions=transitions,
            initial=definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=True,
        )
        self._lock = threading.Lock()  # the machine keeps its scope on a stack while it works

    def fire(self, configuration: Configuration, trigger: str, cursor: Cursor) -> Configuration | None:
        """The configuration after `trigger`, or None when every candidate move's gates refused it.

        Raises `NotAvailable` when no move by `trigger` leaves the configuration at all.
        """
        state, leaves = configuration
        cursor.state = [self._paths[leaf] for leaf in leaves] if leaves else self._paths[state]
        cursor.fired = None
        with self._lock:
            try:
                done = self._machine.trigger_event(cursor, trigger)
            except (MachineError, AttributeError) as exc:
                raise NotAvailable(trigger) from exc
        if not done:
            return None
        return self.configuration(cursor.state)

    def configuration(self, value: str | list[str]) -> Configuration:
        """A configuration from `transitions`' state value (one path, or a list of leaf paths)."""
        paths = value if isinstance(value, list) else [value]
        top = paths[0].split(SEPARATOR, 1)[0]
        if len(paths) == 1 and SEPARATOR not in paths[0]:
            return top, ()
        return top, tuple(self._ids[p] for p in paths)

    def triggers(self, state: str) -> set[str]:
        """Every trigger `transitions` knows from `state` (its own moves and its ancestors')."""
        return set(self._machine.get_triggers(self._paths[state]))

    def destinations(self, trigger: str, source: str) -> set[str]:
        """The destination states `transitions` holds for `trigger` from `source` (declared on `source` itself)."""
        found = self._machine.get_transitions(trigger=trigger, source=self._paths[source])
        return {self._ids[str(t.dest)] for t in found}


def path_of(definition: ProcessDefinition, state: str) -> str:
    """`transitions`' name for a state: `fulfilment.invoice.invoicing` for a state in a region."""
    spec = definition.states[state]
    if spec.parent is None:
        return state
    return SEPARATOR.join((spec.parent, spec.region or "", state))


def _tree(definition: ProcessDefinition, states: Iterable[State]) -> list[Any]:
    """States as `transitions` takes them: plain names, or parallel states holding one compound per region."""
    tree: list[Any] = []
    for state in states:
        if not state.regions:
            tree.append({"name": state.id, "final": state.final})
            continue
        regions = [
            {
                "name": region.id,
                "initial": region.initial,
                "children": [{"name": sid, "final": definition.states[sid].final} for sid in region.states],
            }
            for region in state.regions
        ]
        tree.append({"name": state.id, "parallel": regions})
    return tree
