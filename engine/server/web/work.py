"""The case page's work panels and their writes: sign-off rounds (会签 / 或签 / 票签) with who has signed and who
is awaited, and who holds the case's work with claim / release / delegate / transfer / reassign.

The page holds no rule: the verdict buttons are the engine's own sign options (`Engine.available`, with every
reason a verdict would be refused), and a people verb is the engine's (`Engine.claim` …), whose refusal is
shown on the page as the engine says it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ...definition.model import ProcessDefinition
from ...people.assignment import members
from ...records import Actor, Case, current_assignment
from ...runtime.policy import Option
from ..problems import ApiProblem
from .common import PREFIX, Web, redirect

VERBS = ("claim", "release", "delegate", "transfer", "assign")


def display_name(web: Web, person: str) -> str:
    """A person as the page shows them: their name in the directory, else their id."""
    found = web.engine.directory.roster().people.get(person)
    return found.name if found is not None else person


def rounds(web: Web, definition: ProcessDefinition, case: Case, options: list[Option]) -> list[dict[str, Any]]:
    """Each open or decided sign-off round where the case is: its rule, each signer role with who signed it
    (name, verdict, when, comment) or who holds it and is awaited, and the viewer's verdict options."""
    found = []
    for state in (*case.leaves, case.state):
        if definition.states[state].signoff is None:
            continue
        round_ = web.engine.signoff(case, state)
        if round_ is None:
            continue
        now, roster, process = web.engine.clock.now(), web.engine.directory.roster(), case.process_id
        signers = []
        for role in round_.signers:
            given = [e for e in round_.signed if e.role == role]
            role_title = definition.roles[role].title.get(web.lang) if role in definition.roles else role
            signers.append(
                {
                    "role": role,
                    "title": role_title or role,
                    "signed": [
                        {
                            "who": display_name(web, e.actor),
                            "verdict": str((e.data or {}).get("verdict", "")),
                            "at": e.at.astimezone(web.zone).strftime("%Y-%m-%d %H:%M"),
                            "comment": str((e.data or {}).get("comment", "")),
                        }
                        for e in given
                    ],
                    "awaited": [] if given else [display_name(web, p) for p in members(roster, role, process, now)],
                }
            )
        mine = [o for o in options if o.kind == "sign" and o.source == state]
        found.append(
            {
                "state": state,
                "title": definition.states[state].title.get(web.lang),
                "mode": round_.rule.mode,
                "needed": round_.needed,
                "outcome": round_.outcome,
                "signers": signers,
                "verdicts": mine,
                "can_sign": any(o.allowed for o in mine),
            }
        )
    return found


def panel(web: Web, case: Case) -> dict[str, Any] | None:
    """Who holds the case's work and which people verbs make sense for the viewer (the engine decides on use)."""
    held = current_assignment(case)
    if held is None:
        return None
    role = held.role or ""
    roster, now = web.engine.directory.roster(), web.engine.clock.now()
    colleagues = [p for p in members(roster, role, case.process_id, now) if p != web.person]
    if held.person is None:
        verbs = ["claim", "assign"]
    elif held.person == web.person:
        verbs = ["release", "delegate", "transfer"]
    else:
        verbs = ["assign"]
    return {
        "person": held.person,
        "name": display_name(web, held.person) if held.person else "",
        "role": role,
        "back_to": display_name(web, held.back_to) if held.back_to else "",
        "verbs": verbs,
        "people": [(p, display_name(web, p)) for p in colleagues],
    }


def sign(web: Web, case: Case) -> None:
    """The viewer's verdict on a round of the case (the engine resolves their signer role)."""
    web.engine.sign(
        case,
        web.form.get("verdict", ""),
        Actor(web.person, web.form.get("role") or None),
        comment=web.form.get("comment", "")[:2000],
        state=web.form.get("state") or None,
    )


def people_op(web: Web, case: Case) -> None:
    """One people verb on the case, by the viewer, as the form names it."""
    verb, to = web.form.get("op", ""), web.form.get("to", "").strip()
    me = Actor(web.person, None)
    if verb == "claim":
        web.engine.claim(case, me)
    elif verb == "release":
        web.engine.release(case, me)
    elif verb == "delegate":
        web.engine.delegate(case, to, me)
    elif verb == "transfer":
        web.engine.transfer(case, to, me)
    elif verb == "assign":
        web.engine.assign(case, to, me)
    else:
        raise ApiProblem(400, f"unknown action {verb!r}; one of {', '.join(VERBS)}")


def back(web: Web, case: Case) -> Response:
    """Back to the case's work panel; to the inbox when the viewer gave the case away and may no longer see it."""
    if not web.engine.sees(web.person, web.engine.get(case.id)):
        return redirect(f"{PREFIX}/inbox")
    return redirect(f"{PREFIX}/cases/{quote(case.id)}#work")
