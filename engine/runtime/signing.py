"""Sign-off rounds at run time: the events a verdict or a change of signers makes, and what a person may sign.

The decisive sign-off and the move it decides are one commit: the `signed` event, then the `fired`
event of `on_approve` / `on_reject` by the system, through the machine like any other move. If that move
is refused (a document it needs is missing), the round stays decided and the owner fires it later.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Literal

from ..chain import seal
from ..definition.values import VERDICTS
from ..errors import Refusal, SignoffRefused
from ..fold import apply
from ..records import SYSTEM, SYSTEM_ROLE, Actor, Case, Event
from . import policy
from .compiled import CompiledProcess
from .policy import Option, Shared
from .signoff import Round, check_change, check_sign, current_round

__all__ = ["Round", "change", "options", "round_here", "sign"]
_SYSTEM = Actor(SYSTEM, SYSTEM_ROLE)


def round_here(compiled: CompiledProcess, case: Case, state: str | None) -> Round | None:
    """The round of the case's state with a sign-off (or of the named one, which the case must be in)."""
    here = (*case.leaves, case.state)
    if state is not None:
        if state not in here:
            raise SignoffRefused(state, "not_here", f"case {case.id} is not in {state!r} (it is in {', '.join(here)})")
        return current_round(compiled.definition, case, state)
    rounds = [s for s in here if compiled.definition.states[s].signoff is not None]
    if len(rounds) > 1:
        raise SignoffRefused(rounds[0], "which", f"several sign-offs are open ({', '.join(rounds)}); name the state")
    return current_round(compiled.definition, case, rounds[0]) if rounds else None


def _open_round(compiled: CompiledProcess, case: Case, state: str | None) -> Round:
    found = round_here(compiled, case, state)
    if found is None:
        where = state or case.state
        raise SignoffRefused(where, "no_signoff", f"{where!r} takes no sign-offs")
    return found


def sign(
    compiled: CompiledProcess,
    case: Case,
    verdict: str,
    actor: Actor,
    comment: str,
    state: str | None,
    shared: Shared,
    at: datetime,
) -> list[Event]:
    """The `signed` event (and the decided move, if this sign-off decides the round)."""
    round_ = _open_round(compiled, case, state)
    check_sign(round_, verdict, actor)
    for kind in (verdict, "sign"):
        policy.check_separation(compiled.definition, case, kind, round_.state, actor)
    data = {"state": round_.state, "verdict": verdict, "signer": actor.role or "", "comment": comment}
    event = _event(case, "signed", actor, data, at)
    return [event, *_decided(compiled, apply(case, event), round_.state, shared, at)]


def change(
    compiled: CompiledProcess,
    case: Case,
    role: str,
    actor: Actor,
    adding: bool,
    state: str | None,
    shared: Shared,
    at: datetime,
) -> list[Event]:
    """加签 / 减签: the change event (and the decided move, if removing a signer decides the round)."""
    round_ = _open_round(compiled, case, state)
    check_change(compiled.definition, round_, role, actor, adding)
    kind: Literal["signer_added", "signer_removed"] = "signer_added" if adding else "signer_removed"
    event = _event(case, kind, actor, {"state": round_.state, "signer": role}, at)
    return [event, *_decided(compiled, apply(case, event), round_.state, shared, at)]


def _event(
    case: Case,
    kind: Literal["signed", "signer_added", "signer_removed"],
    actor: Actor,
    data: dict[str, str],
    at: datetime,
) -> Event:
    return seal(
        Event(
            case.id,
            case.version + 1,
            kind,
            at,
            actor.user,
            actor.role or "",
            case.definition_hash,
            data=MappingProxyType(data),
        ),
        case,
    )


def _decided(compiled: CompiledProcess, case: Case, state: str, shared: Shared, at: datetime) -> list[Event]:
    round_ = current_round(compiled.definition, case, state)
    if round_ is None or round_.outcome == "open":
        return []
    trigger = round_.rule.on_approve if round_.outcome == "approved" else round_.rule.on_reject
    if trigger is None:
        return []
    try:
        return [policy.fired_event(compiled, case, trigger, _SYSTEM, shared, at)]
    except Refusal:
        return []  # decided, but the move waits (e.g. for a document): available() shows why


def options(compiled: CompiledProcess, case: Case, actor: Actor) -> list[Option]:
    """Each verdict `actor` could give on an open round here, with every reason it would be refused."""
    found = []
    for state in (*case.leaves, case.state):
        round_ = current_round(compiled.definition, case, state)
        if round_ is None or round_.outcome != "open":
            continue
        for verdict in VERDICTS:
            reasons = []
            try:
                check_sign(round_, verdict, actor)
            except Refusal as exc:
                reasons.append(exc.message)
            for kind in (verdict, "sign"):
                try:
                    policy.check_separation(compiled.definition, case, kind, state, actor)
                except Refusal as exc:
                    reasons.append(exc.message)
            found.append(Option(verdict, state, not reasons, tuple(reasons), state, "sign"))
    return found
