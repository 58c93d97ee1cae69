"""The engine's sign-off verbs: a verdict on a round (会签 / 或签 / 票签), 加签 and 减签 by the step's owner.

A mixin of `Engine` (beside the people verbs it builds on): each verb resolves the person's role from the
directory — a signer role for a verdict, the owner's for a change of signers — then commits the round's
events, and the move a deciding verdict makes, in one transaction with the version check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..errors import CaseClosed, Refusal
from ..fold import apply
from ..records import Actor, Case, Event
from . import policy, signing
from .compiled import CompiledProcess
from .people_ops import PeopleOps


class SignoffOps(PeopleOps):
    def sign(
        self, case: Case | str, verdict: str, actor: Actor, *, comment: str = "", state: str | None = None
    ) -> Case:
        """Give a verdict (approve / reject) on the sign-off round of the case's state (or of one of its
        region states: `state`). The sign-off that decides the round also fires its outcome move. The person
        signs in the signer role the directory gives them."""

        def made(c: Case, compiled: CompiledProcess, shared: policy.Shared, at: datetime) -> list[Event]:
            signer = self._signer(c, compiled, actor, state, at)
            assert signer is not None
            return signing.sign(compiled, c, verdict, signer, comment, state, shared, at)

        return self._round(case, made)

    def add_signer(self, case: Case | str, role: str, actor: Actor, *, state: str | None = None) -> Case:
        """加签: the state's owner adds a signer role to the open round."""
        return self._round(
            case,
            lambda c, compiled, shared, at: signing.change(
                compiled, c, role, self._owner(c, compiled, actor, state, at), True, state, shared, at
            ),
        )

    def remove_signer(self, case: Case | str, role: str, actor: Actor, *, state: str | None = None) -> Case:
        """减签: the state's owner removes a signer who has not signed yet."""
        return self._round(
            case,
            lambda c, compiled, shared, at: signing.change(
                compiled, c, role, self._owner(c, compiled, actor, state, at), False, state, shared, at
            ),
        )

    def _signer(
        self,
        case: Case,
        compiled: CompiledProcess,
        actor: Actor,
        state: str | None,
        at: datetime,
        *,
        quiet: bool = False,
    ) -> Actor | None:
        """`actor` in the signer role the directory gives them for the open round (None, when `quiet`, if the
        case has no round or they hold no signer role). A role named but not among the signers is checked
        as held only: the round itself then refuses it as not a signer (`not_a_signer`)."""
        try:
            round_ = signing.round_here(compiled, case, state)
            if round_ is None:
                if quiet:
                    return None
                return actor  # signing.sign names the missing round
            role = actor.role
            allowed = (role,) if role is not None and role not in round_.signers else round_.signers
            return self.acting(actor, case.process_id, allowed, "sign", at).actor
        except Refusal:
            if quiet:
                return None
            raise

    def _owner(self, case: Case, compiled: CompiledProcess, actor: Actor, state: str | None, at: datetime) -> Actor:
        """`actor` as the owner of the state whose round they change (the directory must give them that role).
        A role named that is not the owner's is checked as held only: the round then refuses it (`not_owner`)."""
        round_ = signing.round_here(compiled, case, state)  # the round's own state: a region state's, maybe
        owner = compiled.definition.states[round_.state if round_ else state or case.state].owner
        allowed = (actor.role,) if actor.role is not None and actor.role != owner else (owner,) if owner else ()
        return self.acting(actor, case.process_id, allowed, "change the signers", at).actor

    def signoff(self, case: Case | str, state: str | None = None) -> signing.Round | None:
        """Where the sign-off round of the case's state (or region state) stands, or None."""
        current, compiled = self._case(case)
        return signing.round_here(compiled, current, state)

    def _round(
        self, case: Case | str, events: Callable[[Case, CompiledProcess, policy.Shared, datetime], list[Event]]
    ) -> Case:
        return self._one_step(case, lambda: self._rounded(case, events))

    def _rounded(
        self, case: Case | str, events: Callable[[Case, CompiledProcess, policy.Shared, datetime], list[Event]]
    ) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        if compiled.definition.states[current.state].final:
            raise CaseClosed(current.id, current.state)
        shared = self.store.shared(current.process_id) if compiled.has_shared else {}
        made = events(current, compiled, shared, self.clock.now())
        updated = current
        for event in made:
            updated = apply(updated, event)
        if updated.state != current.state:  # the round decided a move: the next state's work goes to someone
            updated = self._then(updated, made, self._assign_next(compiled, updated, made[-1].at))
        return self._commit(compiled, updated, made, made[-1].at), made
