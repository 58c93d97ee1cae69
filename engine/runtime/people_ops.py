"""The engine's people verbs: assign, claim, release, delegate, transfer, leave — each an event on the case.

A mixin of `Engine` so that engine.py only calls in at a few named points (`_assign_next` after a case
enters a state, `_reassign` when an escalation says so). Every change is committed with the version check,
so of two managers reassigning one case at once, one wins and the other gets `ConflictError`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from ..errors import DirectoryRefused, Refusal, RoleNotHeld
from ..fold import apply
from ..people import assignment
from ..people.assignment import Choice
from ..people.roles import held_roles, resolve
from ..people_records import ADMIN_ROLE
from ..records import Actor, Assignment, Case, Event, EventKind, current_assignment
from .compiled import CompiledProcess
from .parts import EngineParts


class PeopleOps(EngineParts):
    # --- the named points engine.py calls -----------------------------------------------------

    @staticmethod
    def _then(case: Case, events: list[Event], event: Event | None) -> Case:
        """The case after `event` (appended to `events`), or the case unchanged when there is none."""
        if event is None:
            return case
        events.append(event)
        return apply(case, event)

    def _assign_next(self, compiled: CompiledProcess, case: Case, at: datetime) -> Event | None:
        """Once a case is in a new state: who gets its work, by the process's rules (an `assigned` event).
        Only processes that declare `assignment` route work; others keep their role-only history unchanged."""
        if not compiled.definition.assignment or current_assignment(case) is not None:
            return None
        choice = assignment.choose(compiled.definition, case, self.directory.roster(), self.store, at)
        if choice is None:
            return None
        return assignment.event_for(case, "assigned", choice, at, basis=f"rule {choice.rule}")

    def _returned(self, case: Case, actor: str, at: datetime) -> Event | None:
        """Delegated work comes back to the delegator once the delegate has done something on the case."""
        held = current_assignment(case)
        if held is None or held.back_to is None or held.person != actor:
            return None
        back = Choice(held.back_to, held.role or "", "delegation done")
        return assignment.event_for(
            case, "assigned", back, at, basis=f"delegated by {held.back_to}", extra={"from": actor}
        )

    def _reassign(self, compiled: CompiledProcess, case: Case, notify: str, at: datetime) -> Event | None:
        """An escalation's `action: reassign`: another person by the state's rule (not the late holder); if
        there is nobody else, a holder of the escalation's role, the late holder's manager first."""
        if not compiled.definition.assignment:
            return None  # a process that routes no work to people has nobody to reassign
        held = current_assignment(case)
        late = held.person if held else None
        roster = self.directory.roster()
        exclude = {late} if late else set()
        choice = assignment.choose(compiled.definition, case, roster, self.store, at, exclude)
        if choice is None or choice.person is None:
            managers = assignment.members(roster, notify, case.process_id, at, exclude)
            boss = roster.managers.get(late or "")
            person = boss if boss in managers else (managers[0] if managers else None)
            if person is None:
                return None
            choice = Choice(person, notify, f"escalation to {notify}")
        return assignment.event_for(case, "reassigned", choice, at, basis="escalation", extra={"from": late})

    # --- verbs -------------------------------------------------------------------------

    def assignee(self, case: Case | str) -> Assignment | None:
        current, _ = self._case(case)
        return current_assignment(current)

    def claim(self, case: Case | str, actor: Actor) -> Case:
        """Take a case from the queue of a role one holds."""
        return self._one_step(case, lambda: self._claim(case, actor))

    def _claim(self, case: Case | str, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        held = self._held(current)
        if held.person is not None:
            raise Refusal(f"case {current.id} is already held by {held.person}; it is not in a queue")
        acting = resolve(
            self.directory.roster(),
            actor,
            current.process_id,
            [held.role or ""],
            f"claim {current.id}",
            self.clock.now(),
        )
        return self._recorded(
            compiled, current, "claimed", Choice(acting.person, acting.role, "claimed"), acting.actor, acting.basis
        )

    def release(self, case: Case | str, actor: Actor) -> Case:
        """Put one's case back in its role's queue."""
        return self._one_step(case, lambda: self._release(case, actor))

    def _release(self, case: Case | str, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        held = self._holder(current, actor)
        choice = Choice(None, held.role or "", "released")
        return self._recorded(compiled, current, "released", choice, actor, "holder", **{"from": actor.user})

    def delegate(self, case: Case | str, to: str, actor: Actor) -> Case:
        """委派: lend one's case to a colleague holding the role; it comes back when they have done their part."""
        return self._one_step(case, lambda: self._delegate(case, to, actor))

    def _delegate(self, case: Case | str, to: str, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        held = self._holder(current, actor)
        choice = self._target(current, to, held.role or "", "delegated")
        return self._recorded(compiled, current, "delegated", choice, actor, "holder", back_to=actor.user)

    def transfer(self, case: Case | str, to: str, actor: Actor) -> Case:
        """转办: hand one's case over for good."""
        return self._one_step(case, lambda: self._transfer(case, to, actor))

    def _transfer(self, case: Case | str, to: str, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        held = self._holder(current, actor)
        choice = self._target(current, to, held.role or "", "transferred")
        return self._recorded(compiled, current, "transferred", choice, actor, "holder", **{"from": actor.user})

    def assign(self, case: Case | str, to: str, by: Actor) -> Case:
        """Reassign a case: by a manager of its holder (or of the new person), or by a directory admin."""
        return self._one_step(case, lambda: self._assign(case, to, by))

    def _assign(self, case: Case | str, to: str, by: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        held = self._held(current)
        basis = self._may_manage(by.user, [p for p in (held.person, to) if p])
        choice = self._target(current, to, held.role or "", f"reassigned by {by.user}")
        return self._recorded(compiled, current, "reassigned", choice, by, basis, **{"from": held.person})

    def leave(self, person: str, by: Actor) -> list[tuple[str, str | None]]:
        """A person leaves the team: recorded in the directory, then each open case of theirs reassigned by the
        process's rules (each an event). Returns (case id, new holder or None for the queue)."""
        from ..people.admin import Draft, Team

        now = self.clock.now()
        Team(self.directory).change(by.user, [Draft("left", {"person": person, "on": now.date().isoformat()})], now)
        moved = []
        for item in self.store.work(person):
            current, compiled = self._case(item.case_id)
            choice = assignment.choose(compiled.definition, current, self.directory.roster(), self.store, now, {person})
            if choice is None:
                continue
            updated, events = self._recorded(
                compiled, current, "reassigned", choice, by, f"{person} left", **{"from": person}
            )
            self.hooks.run(events, updated)
            moved.append((current.id, choice.person))
        return moved

    # --- helpers ------------------------------------------------------------------------

    def _held(self, case: Case) -> Assignment:
        held = current_assignment(case)
        if held is None:
            raise Refusal(f"case {case.id} has no open work in state {case.state!r} to assign")
        return held

    def _holder(self, case: Case, actor: Actor) -> Assignment:
        held = self._held(case)
        if held.person != actor.user:
            holder = held.person or f"nobody (it is in the {held.role} queue)"
            raise Refusal(f"{actor.user} does not hold case {case.id}; {holder} does")
        return held

    def _target(self, case: Case, to: str, role: str, rule: str) -> Choice:
        if to not in assignment.members(self.directory.roster(), role, case.process_id, self.clock.now()):
            raise RoleNotHeld(to, f"take over case {case.id}", [role], case.process_id)
        return Choice(to, role, rule)

    def _may_manage(self, by: str, people: Collection[str]) -> str:
        roster = self.directory.roster()
        now = self.clock.now()
        if any(h.role == ADMIN_ROLE for h in held_roles(roster, by, None, now)):
            return "directory admin"
        managed = roster.reports(by)
        for person in people:
            if person in managed:
                return f"manager of {person}"
        raise DirectoryRefused(
            f"{by} may not reassign this case: they manage neither {' nor '.join(people) or 'anyone'}"
        )

    def _recorded(
        self,
        compiled: CompiledProcess,
        case: Case,
        kind: EventKind,
        choice: Choice,
        actor: Actor,
        basis: str,
        **extra: str | None,
    ) -> tuple[Case, list[Event]]:
        """The assignment event, committed (the caller runs the hooks once the step is durable)."""
        now = self.clock.now()
        role = actor.role or (choice.role if kind != "reassigned" else "manager")
        event = assignment.event_for(case, kind, choice, now, actor=actor.user, role=role, basis=basis, extra=extra)
        updated = apply(case, event)
        return self._commit(compiled, updated, [event], now), [event]  # the outbox hears of it
