"""Load-time checks of who may do what: separation of duties, assignment rules and visibility.

Each names states, roles, steps and document fields; each must name ones the process has, and say what its
kind of rule needs (a `keep` rule the step whose doer keeps the case, a `by` rule the field it looks up).
"""

from __future__ import annotations

from collections.abc import Iterator

from .check_context import Context, Finding, action_findings


def separation_checks(c: Context) -> Iterator[Finding]:
    seen: set[str] = set()
    for i, rule in enumerate(c.definition.separation):
        if rule.id in seen:
            yield Finding(("separation", i, "id"), f"separation rule {rule.id!r} is listed twice")
        seen.add(rule.id)
        yield from action_findings(c, rule.did, ("separation", i, "did"))
        yield from action_findings(c, rule.may_not, ("separation", i, "may_not"))


def people_checks(c: Context) -> Iterator[Finding]:
    """Assignment rules and visibility name states, roles, steps and fields that exist, and say what they need."""
    d = c.definition
    for i, rule in enumerate(d.assignment):
        for j, state in enumerate(rule.states):
            if state not in d.states:
                yield Finding(("assignment", i, "states", j), c.unknown("state", state, d.states))
        if rule.role is not None and rule.role not in d.roles:
            yield Finding(("assignment", i, "role"), c.unknown("role", rule.role, d.roles))
        if not rule.states and rule.role is None:
            yield Finding(("assignment", i), "an assignment rule needs states, a role, or both")
        if rule.rule == "keep" and rule.step is None:
            yield Finding(
                ("assignment", i), "rule keep needs the step whose doer keeps the case (step: fire:<trigger>)"
            )
        if rule.step is not None:
            yield from action_findings(c, rule.step, ("assignment", i, "step"))
        if rule.rule == "by" and rule.lookup is None:
            yield Finding(("assignment", i), "rule by needs by: {field: documents.<doc>.<field>, table: {…}}")
        if rule.lookup is not None and rule.lookup.document not in d.documents:
            yield Finding(("assignment", i, "by", "field"), c.unknown("document", rule.lookup.document, d.documents))
    for role in d.visibility:
        if role not in d.roles:
            yield Finding(("visibility", role), c.unknown("role", role, d.roles), key=True)
