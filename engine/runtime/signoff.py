"""Multi-party sign-off: a round's standing, folded from the case's events, and who may sign it now.

A round opens when the case enters a state with a `signoff` and lasts while it stays there. Each
sign-off is a `signed` event whose actor is the person who signed (so "already signed" is judged on
the person, whatever role they act in); 加签 / 减签 are `signer_added` / `signer_removed` events by the
state's owner. The outcome is a pure function of those events: nothing about a round is stored apart
from the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..definition.model import ProcessDefinition, Signoff
from ..definition.values import VERDICTS
from ..errors import AlreadySigned, RoundClosed, SignoffRefused
from ..records import ROUND_KINDS, Actor, Case, Event

Outcome = Literal["open", "approved", "rejected"]


@dataclass(frozen=True)
class Round:
    """Where a state's sign-off stands: its signers now, the sign-offs given, and the outcome."""

    state: str
    rule: Signoff
    signers: tuple[str, ...]  # roles, after any signers added or removed
    signed: tuple[Event, ...]  # this round's sign-offs, in order

    def verdicts(self, verdict: str) -> set[str]:
        """Signer roles that gave `verdict` (roles removed since do not count)."""
        return {str(e.role) for e in self.signed if (e.data or {}).get("verdict") == verdict and e.role in self.signers}

    @property
    def needed(self) -> int:
        return self.rule.needed(len(self.signers))

    @property
    def outcome(self) -> Outcome:
        approvals, rejections = len(self.verdicts("approve")), len(self.verdicts("reject"))
        if approvals >= self.needed and self.signers:
            return "approved"
        if len(self.signers) - rejections < self.needed:  # approvals can no longer reach what is needed
            return "rejected"
        return "open"

    @property
    def pending(self) -> tuple[str, ...]:
        done = {e.role for e in self.signed}
        return tuple(role for role in self.signers if role not in done)


def current_round(definition: ProcessDefinition, case: Case, state: str) -> Round | None:
    """The round of `state` (one the case is in now), or None when it has no sign-off."""
    rule = definition.states[state].signoff
    if rule is None:
        return None
    since = case.entered(state)
    signers = list(rule.signers)
    signed = []
    for event in case.recent:  # the snapshot's events since the case entered its top-level state
        if event.seq <= since or event.kind not in ROUND_KINDS or (event.data or {}).get("state") != state:
            continue
        role = str((event.data or {}).get("signer", ""))
        if event.kind == "signer_added" and role not in signers:
            signers.append(role)
        elif event.kind == "signer_removed" and role in signers:
            signers.remove(role)
        elif event.kind == "signed":
            signed.append(event)
    return Round(state, rule, tuple(signers), tuple(signed))


def check_sign(round_: Round, verdict: str, actor: Actor) -> None:
    """Refuse a sign-off that the round does not take from `actor` now."""
    state = round_.state
    if verdict not in VERDICTS:
        raise SignoffRefused(state, "verdict", f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if round_.outcome != "open":
        raise RoundClosed(state, round_.outcome)
    if actor.role not in round_.signers:
        raise SignoffRefused(
            state, "not_a_signer", f"role {actor.role!r} does not sign {state!r}; signers: {', '.join(round_.signers)}"
        )
    if any(e.actor == actor.user for e in round_.signed):
        raise AlreadySigned(state, actor.user)
    if actor.role not in round_.pending:
        raise SignoffRefused(state, "role_signed", f"role {actor.role!r} has already signed {state!r} this round")
    if round_.rule.ordered and round_.pending[0] != actor.role:
        raise SignoffRefused(state, "not_your_turn", f"{state!r} is signed in order; next to sign: {round_.pending[0]}")


def check_change(definition: ProcessDefinition, round_: Round, role: str, actor: Actor, adding: bool) -> None:
    """Refuse a change of signers (加签 / 减签) that only the owner may make, and only while the round is open."""
    state = round_.state
    owner = definition.states[state].owner
    if actor.role != owner:
        raise SignoffRefused(state, "not_owner", f"only the owner of {state!r} ({owner}) may change its signers")
    if round_.outcome != "open":
        raise RoundClosed(state, round_.outcome)
    if adding:
        if role not in definition.roles or definition.roles[role].external:
            raise SignoffRefused(state, "not_a_role", f"{role!r} is not a team role of {definition.id!r}")
        if role in round_.signers:
            raise SignoffRefused(state, "already_a_signer", f"{role!r} already signs {state!r}")
        return
    if role not in round_.signers:
        raise SignoffRefused(state, "not_a_signer", f"{role!r} does not sign {state!r}")
    if role not in round_.pending:
        raise SignoffRefused(state, "has_signed", f"{role!r} has signed already; a given sign-off stays")
    if len(round_.signers) - 1 < max(round_.rule.needed(len(round_.signers) - 1), 1):
        raise SignoffRefused(
            state, "too_few", f"without {role!r} the {state!r} round could never be approved; add a signer first"
        )
