"""The only module that touches `transitions`: one machine per definition, shared by all cases.

Cases are never attached to the machine (no `add_model`): each move hands the
machine a throw-away cursor holding the case's state, so the cost of a move
does not grow with the number of cases. No string from YAML ever reaches
`transitions` as a callback (it would import dotted paths); the machine has no
callbacks at all — side effects run through the engine's hooks after commit.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from engine.definition.model import ProcessDefinition


class _Cursor:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


class ProcessMachine:
    def __init__(self, definition: ProcessDefinition) -> None:
        self._machine = Machine(
            model=None,
            states=list(definition.states),
            transitions=[
                {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest} for t in definition.transitions
            ],
            initial=definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
        )
        self._events = self._machine.events

    def move(self, state: str, trigger: str) -> str:
        """The state a case in `state` reaches by `trigger` (checks are the policy's job)."""
        cursor = _Cursor(state)
        try:
            self._events[trigger].trigger(cursor)
        except (KeyError, MachineError) as exc:
            raise ValueError(f"{trigger!r} does not leave {state!r}") from exc
        return cursor.state

    def triggers(self, state: str) -> list[str]:
        return self._machine.get_triggers(state)
