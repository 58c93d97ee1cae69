"""The ONE place where the authenticated person becomes the engine's `Actor`, and where visibility is asked.

Today an `Actor` is (person, role) and the role is the caller's claim, exactly as the CLI's `--as user:role`:
the request names it (`role` in the body, or `?role=`) and it must be a role of the process. The engine then
checks everything else (who may fire, submit, start; separation of duties). When the people directory lands,
the role comes from the directory instead, and only this module changes.
"""

from __future__ import annotations

from engine.definition.model import ProcessDefinition
from engine.errors import UnknownName
from engine.records import Actor, Case
from engine.server.problems import ApiProblem


def actor_for(person: str, definition: ProcessDefinition, requested_role: str | None) -> Actor:
    """The actor `person` is when acting on a case (or a new case) of `definition`."""
    if not requested_role:
        raise ApiProblem(400, "say which role you act in: 'role' in the JSON body (or ?role= on a read)")
    if requested_role not in definition.roles:
        raise UnknownName("role", requested_role, sorted(definition.roles))
    return Actor(person, requested_role)


def integration_actor(integration: str, acts_as: str) -> Actor:
    """The actor an outside system's event is recorded as: the integration by name, in the role the YAML gives it."""
    return Actor(f"integration:{integration}", acts_as)


def may_see(person: str, case: Case) -> bool:
    """Whether `person` may see `case` (until the directory lands, every authenticated person may)."""
    return bool(person) and case is not None
