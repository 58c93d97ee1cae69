"""The engine: start cases, submit documents, fire triggers, list options, render — on any store.

Every call reads the case, decides, produces events, and commits them in one
store transaction with an optimistic version check; hooks run after commit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from ..canonical import check_data, frozen_copy
from ..chain import seal
from ..clock import Clock, SystemClock
from ..definition.bundle import from_bundle, to_bundle
from ..definition.model import ProcessDefinition
from ..errors import (
    CaseClosed,
    CaseExists,
    CaseNotFound,
    ConflictError,
    ProcessNotFound,
    Refusal,
)
from ..fold import apply
from ..people import roles, visibility
from ..people.admin import Team
from ..people.directory import Directory, open_directory
from ..people.roles import Acting
from ..records import SYSTEM, SYSTEM_ROLE, Actor, Case, Event
from ..render_context import render_context, render_footer
from ..store.base import Store
from ..store.registry import open_store
from . import policy, signing
from .catch_up import CatchUp
from .compiled import CompiledProcess
from .document_ops import DocumentOps
from .due import Timed, Timing
from .follow_ops import FollowOps
from .hooks import Hooks
from .listing_ops import ListingOps
from .moving_ops import MovingOps
from .outbox import Outbox
from .policy import Option
from .signoff_ops import SignoffOps
from .step import commit_step
from .time_ops import TimeOps
from .timekeeping import Timekeeper

RenderFormat = Literal["markdown", "html"]
_SYSTEM = Acting(SYSTEM, SYSTEM_ROLE, "")


T = TypeVar("T")


def retrying(action: Callable[[], T], *, attempts: int = 5, pause: float = 0.01) -> T:
    """Run `action` again when another writer got to the case first (`ConflictError`).

    The action must read the case afresh each time — pass the case *id* to `fire`/`submit`,
    not a `Case` object: `retrying(lambda: engine.fire(case_id, "approve", actor))`.
    """
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except ConflictError:
            if attempt == attempts:
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


class Engine(SignoffOps, DocumentOps, TimeOps, MovingOps, FollowOps, CatchUp, ListingOps):
    """Runs cases of any registered process definition, for the people of a team directory."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        hooks: Hooks | None = None,
        outbox: Outbox | None = None,
        directory: Directory | str = "store",
    ) -> None:
        """`outbox`: who hears of events (procflow.notify; None: nobody). `directory`: where people and their
        grants come from — the store's own (default), a name given to `register_directory`, or a `Directory`.
        There is no mode without one: every actor is a person."""
        self.store: Store = store if store is not None else open_store("memory:")
        self.clock: Clock = clock or SystemClock()
        self.hooks = hooks or Hooks()
        self.outbox = outbox
        self.directory: Directory = open_directory(directory, self.store) if isinstance(directory, str) else directory
        self._compiled: dict[str, CompiledProcess] = {}
        self._read: dict[str, ProcessDefinition] = {}  # stored definitions not compiled (yet)
        self._timings: dict[str, Timing] = {}  # their deadline rules and calendars
        self._time = Timekeeper(self.store, self.hooks, self._compile, self._timing, outbox, reassign=self._reassign)

    # --- definitions ---------------------------------------------------------------

    def register(self, definition: ProcessDefinition) -> ProcessDefinition:
        """Store a definition version (idempotent); new cases of its process use the newest."""
        self.store.save_definition(to_bundle(definition))
        self._compiled.setdefault(definition.content_hash, CompiledProcess.compile(definition))
        return definition

    def definition(self, process_id: str, content_hash: str | None = None) -> ProcessDefinition:
        """A stored definition: the given version, or the newest of the process (read, not compiled)."""
        return self._definition(content_hash or self._latest(process_id))

    def _latest(self, process_id: str) -> str:
        found = self.store.latest_definition(process_id)
        if found is None:
            raise ProcessNotFound(process_id)
        return found

    def _definition(self, content_hash: str) -> ProcessDefinition:
        """A stored definition without compiling it: a status, a list or a visibility check needs its words and
        rules, not its machine, validators and expressions (compiling is most of a command's start-up)."""
        compiled = self._compiled.get(content_hash)
        if compiled is not None:
            return compiled.definition
        found = self._read.get(content_hash)
        if found is None:
            found = self._read[content_hash] = from_bundle(self.store.load_definition(content_hash))
        return found

    def _compile(self, content_hash: str) -> CompiledProcess:
        compiled = self._compiled.get(content_hash)
        if compiled is None:
            compiled = CompiledProcess.compile(self._definition(content_hash))
            self._compiled[content_hash] = compiled
        return compiled

    def _timing(self, content_hash: str) -> Timed:
        """What judging deadlines needs of a stored definition: its compiled form when there is one, else
        its rules and calendar alone (compiling is most of an `overdue`'s start-up)."""
        found: Timed | None = self._compiled.get(content_hash) or self._timings.get(content_hash)
        if found is None:
            found = self._timings[content_hash] = Timing.of(self._definition(content_hash))
        return found

    # --- cases -------------------------------------------------------------------------

    def get(self, case_id: str, *, viewer: str | None = None) -> Case:
        """The case; for a `viewer` (a person), only if the process lets them see it — else not found."""
        case = self.store.get(case_id)
        if viewer is not None and not self.sees(viewer, case):
            raise CaseNotFound(case_id)
        return case

    def sees(self, person: str, case: Case) -> bool:
        """Whether `person` may see `case` by the visibility the process declares for their roles."""
        definition = self._definition(case.definition_hash)
        return visibility.may_see(definition, self.directory.roster(), person, case, self.clock.now())

    def start(
        self,
        process: str | ProcessDefinition,
        actor: Actor,
        *,
        data: Mapping[str, Any] | None = None,
        case_id: str | None = None,
    ) -> Case:
        """Open a case in the initial state. Only the initial state's owner (or participants) may."""
        if isinstance(process, ProcessDefinition):
            if process.content_hash not in self._compiled:
                self.register(process)
            compiled = self._compiled[process.content_hash]
        else:
            compiled = self._compile(self._latest(process))
        definition = compiled.definition
        initial = definition.states[definition.initial]
        allowed = tuple(r for r in (initial.owner, *initial.participants) if r and not definition.roles[r].external)
        now = self.clock.now()
        acting = self.acting(actor, definition.id, allowed, f"start a {definition.id} case", now)
        check_data(data or {})
        plain, _ = frozen_copy(dict(data or {}))
        event = seal(
            Event(
                case_id=case_id or f"{definition.id}-{uuid.uuid4().hex[:10]}",
                seq=1,
                kind="started",
                at=now,
                actor=acting.person,
                role=acting.role,
                definition_hash=definition.content_hash,
                dest=definition.initial,
                data=MappingProxyType(
                    {"process_id": definition.id, "data": plain}
                    | ({"active": [r.initial for r in initial.regions]} if initial.regions else {})
                ),
                basis=acting.basis,
            ),
            None,
        )
        case = apply(None, event)
        events = [event]
        shared = self.store.shared(definition.id) if compiled.computed and compiled.has_shared else {}
        for target in compiled.computation_order:  # documents computable from shared inputs alone
            computed = self._recompute(compiled, case, target, shared, event.at)
            if computed is not None:
                events.append(computed)
                case = apply(case, computed)
        case = self._then(case, events, self._assign_next(compiled, case, event.at))
        try:
            case = self._commit(compiled, case, events, event.at)
        except ConflictError:  # a new case's only conflict: its id is taken
            raise CaseExists(case.id) from None
        self.hooks.run(events, case)
        return case

    def _commit(self, compiled: CompiledProcess, case: Case, events: Sequence[Event], now: datetime) -> Case:
        return commit_step(self.store, self.outbox, compiled, case, events, now)

    def _case(self, case: Case | str) -> tuple[Case, CompiledProcess]:
        current = self.store.get(case) if isinstance(case, str) else case
        return current, self._compile(current.definition_hash)

    def fire(self, case: Case | str, trigger: str, actor: Actor) -> Case:
        """Move the case by `trigger`, or raise the refusal that says what is missing."""
        return self._one_step(case, lambda: self._fired(case, trigger, actor))

    def _one_step(self, case: Case | str, take: Callable[[], tuple[Case, list[Event]]]) -> Case:
        """`take` reads the case, decides and commits; by case id, the read and the commit are one store
        transaction where the store gains by it (`Store.stepping`). Hooks run once the commit is durable,
        outside that transaction."""
        if isinstance(case, str):
            with self.store.stepping(case):
                updated, events = take()
        else:
            updated, events = take()
        self.hooks.run(events, updated)
        return updated

    def _fired(self, case: Case | str, trigger: str, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        if compiled.definition.states[current.state].final:
            raise CaseClosed(current.id, current.state)
        shared = self.store.shared(current.process_id) if compiled.has_shared else {}
        roles = policy.roles_for(compiled, current, trigger)
        now = self.clock.now()  # one instant: the grant is the one valid when the event says it happened
        acting = self.acting(actor, current.process_id, roles, f"fire {trigger!r}", now)
        event = policy.fired_event(compiled, current, trigger, acting.actor, shared, now, acting.basis)
        updated = apply(current, event)
        events = [event]
        updated = self._then(updated, events, self._assign_next(compiled, updated, event.at))
        return self._commit(compiled, updated, events, event.at), events

    def available(self, case: Case | str, actor: Actor) -> list[Option]:
        """Every trigger from the case's configuration, and every verdict a sign-off round there takes:
        whether `actor` can do it now, and if not, why (separation rules included, before they try)."""
        current, compiled = self._case(case)
        shared = self.store.shared(current.process_id)
        now = self.clock.now()
        found: list[Option] = []
        for move in policy.current_moves(compiled, current):
            trigger = move.transition.trigger
            try:
                acting = self.acting(actor, current.process_id, move.transition.roles, f"fire {trigger!r}", now)
            except Refusal as exc:
                found.append(Option(trigger, move.transition.dest, False, (exc.message,), move.source))
                continue
            found.extend(
                o
                for o in policy.options(compiled, current, acting.actor, shared, now)
                if o.trigger == trigger and o.source == move.source
            )
        signer = self._signer(current, compiled, actor, None, now, quiet=True)
        return [*found, *(signing.options(compiled, current, signer) if signer is not None else ())]

    @property
    def team(self) -> Team:
        """Changes to the directory, checked against the roles of every registered process."""
        roles = {r for h, _, _ in self.store.definitions() for r in self._definition(h).roles}
        return Team(self.directory, roles)

    def acting(
        self, actor: Actor, process_id: str, allowed: Sequence[str], action: str, at: datetime | None = None
    ) -> Acting:
        """The role the directory gives `actor` for `action` now (a grant or a cover), or the refusal naming
        the grant that is missing. Never the role the caller claims, unless the person holds it."""
        return roles.resolve(self.directory.roster(), actor, process_id, allowed, action, at or self.clock.now())

    def versions(self, process_id: str) -> list[tuple[str, str, str]]:
        """Stored versions of a process: (content hash, process id, version label), oldest first."""
        return self.store.definitions(process_id)

    # --- rendering ---------------------------------------------------------------------

    def render(
        self,
        case: Case | str,
        document: str,
        *,
        format: RenderFormat = "markdown",
        version: int | None = None,
        lang: str | None = None,
        viewer: str | None = None,
    ) -> str:
        """Render a document version (default: the latest) through its template."""
        current, compiled = self._case(self.get(case, viewer=viewer) if isinstance(case, str) else case)
        definition = compiled.definition
        spec = self._spec(compiled, document)
        if spec.template is None:
            raise Refusal(f"document {document!r} has no template")
        versions = current.documents.get(document) or self.store.shared(current.process_id).get(document, ())
        if not versions:
            raise Refusal(f"document {document!r} has not been submitted for case {current.id}")
        if version is not None and not 1 <= version <= len(versions):
            raise Refusal(f"document {document!r} has versions 1 to {len(versions)}, not {version}")
        chosen = versions[(version or len(versions)) - 1]
        context = render_context(definition, current, document, chosen, lang)
        footer = render_footer(definition, current, document, chosen)
        if format == "html":
            return compiled.renderer.render_html(
                spec.template, context, footer, spec.title.get(lang), lang or definition.locale
            )
        return compiled.renderer.render_markdown(spec.template, context, footer)
