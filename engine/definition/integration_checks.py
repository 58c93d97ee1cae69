"""Load-time checks of `integrations:`: what an outside system may say must be something its role may do.

An event is checked as the engine will check it when it arrives: its integration acts in a team role, that role
may produce the document the event submits (and start a case, for a starting event), and the field a matching
event looks up exists in its document.
"""

from __future__ import annotations

from collections.abc import Iterator

from .check_context import Context, Finding, field_findings


def integration_checks(c: Context) -> Iterator[Finding]:
    d = c.definition
    initial = d.states.get(d.initial)
    starters = {r for r in ((initial.owner, *initial.participants) if initial else ()) if r}
    for name, integration in d.integrations.items():
        base = ("integrations", name)
        role = d.roles.get(integration.acts_as)
        if role is None:
            yield Finding((*base, "acts_as"), c.unknown("role", integration.acts_as, d.roles))
        elif role.external:
            yield Finding((*base, "acts_as"), f"role {role.id!r} is external; an integration acts in a team role")
        for event in integration.events.values():
            path = (*base, "events", event.id)
            doc = d.documents.get(event.submit)
            if doc is None:
                yield Finding((*path, "submit"), c.unknown("document", event.submit, d.documents))
            elif doc.computed is not None or doc.shared:
                kind = "computed by the engine" if doc.computed else "shared by all cases"
                yield Finding((*path, "submit"), f"document {doc.id!r} is {kind}; an event cannot submit it")
            elif role is not None and role.id not in doc.produced_by:
                yield Finding(
                    (*path, "submit"),
                    f"{name} acts as {role.id!r}, which may not submit {doc.id!r} "
                    f"(produced by: {', '.join(doc.produced_by) or 'nobody'})",
                )
            if event.start and role is not None and role.id not in starters:
                yield Finding(
                    (*path, "start"),
                    f"{name} acts as {role.id!r}, which may not start a case "
                    f"(the initial state's owner or participants may: {', '.join(sorted(starters)) or 'nobody'})",
                )
            if event.match is not None:
                yield from field_findings(c, event.match, (*path, "match", "case"), dates=False)
