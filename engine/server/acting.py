"""The ONE place where the authenticated person becomes the engine's `Actor`, and where visibility is asked.

Every actor is a person of the team directory. The role a request may name (`role` in the body, or `?role=`)
is only a choice among the roles that person holds — the engine checks it against the directory at the
instant of the action (`Engine.acting`: an unknown person or a role not held is refused); when no role is
named the engine picks the one the person holds for the action. Whether a person sees a case is the
engine's visibility (`Engine.sees`): a case they may not see is, to them, not there (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..definition.model import ProcessDefinition
from ..errors import ProcflowError
from ..records import Actor, Case

if TYPE_CHECKING:
    from ..runtime.engine import Engine


def actor_for(person: str, definition: ProcessDefinition, requested_role: str | None) -> Actor:
    """The actor `person` is when acting on a case (or a new case) of `definition`: the person, and the role
    they chose if they named one (the engine refuses a role they do not hold, or one the action does not allow)."""
    del definition  # the engine resolves the role against the directory and the process itself
    return Actor(person, requested_role or None)


def integration_person(integration: str) -> str:
    """The directory person an integration is: `integration:<name>` (seated by `procflow integration add`)."""
    return f"integration:{integration}"


def integration_actor(integration: str, acts_as: str) -> Actor:
    """The actor an outside system's event is recorded as: the integration's directory person, in the role the
    YAML gives it (which its grant must hold, like anyone's)."""
    return Actor(integration_person(integration), acts_as)


def may_see(engine: Engine, person: str, case: Case) -> bool:
    """Whether `person` may see `case`, by the visibility the process declares for the roles they hold."""
    return bool(person) and engine.sees(person, case)


def roles_held(engine: Engine, person: str, definition: ProcessDefinition) -> list[str]:
    """The roles of `definition` that `person` holds now (grants and covers), in the process's order; none for a
    person the directory does not know (the engine refuses them when they act)."""
    from ..people.roles import held_roles

    try:
        held = {h.role for h in held_roles(engine.directory.roster(), person, definition.id, engine.clock.now())}
    except ProcflowError:
        return []
    return [role for role in definition.roles if role in held]
