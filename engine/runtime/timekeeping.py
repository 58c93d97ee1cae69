"""The engine's side of deadlines: lead-time rules at submit, the store's due index, overdue, reminders, escalations.

Deadline *status* is a pure function of the history (`procflow.deadlines`); this
module turns it into actions. Each commit keeps the case's deadline trail
(`procflow.deadline_trail`) from the events at hand and puts its open obligations
into the store's due index, so neither a step nor finding due work reads a
history or scans every case. `tick` records each reminder and escalation once,
as an event in the case history, and runs the hooks after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from .. import deadline_trail, deadlines
from ..chain import seal
from ..deadlines import Obligation, parse_instant
from ..errors import ConflictError, Refusal
from ..fold import apply
from ..records import SYSTEM, SYSTEM_ROLE, Case, Event
from ..store.base import CaseSummary, DueItem, Store
from .compiled import CompiledProcess
from .due import Timed, late, open_obligations, trailed
from .hooks import Hooks
from .outbox import Outbox
from .step import commit_step


class LeadTimeViolation(Refusal):
    """A date in a document is closer than the process allows (a hard lead-time rule)."""

    def __init__(self, document: str, field: str, value: str, earliest: datetime, rule: str) -> None:
        self.document, self.field, self.value, self.earliest = document, field, value, earliest
        super().__init__(
            f"$.{field} of {document!r} is {value}, but {rule}: the earliest allowed is "
            f"{earliest.isoformat(timespec='minutes')}"
        )


@dataclass(frozen=True)
class Overdue:
    case: CaseSummary  # the case as its row says (read `store.get(case.id)` for the rest)
    obligation: Obligation  # for a recurring deadline: the latest missed period
    lateness: timedelta
    missed_periods: int = 1


def _in_scope(compiled: CompiledProcess, case: Case) -> Iterable[Any]:
    definition = compiled.definition
    for state in (case.state, *case.leaves):
        yield from definition.states[state].deadlines
    yield from definition.stage_of(case.state).deadlines


def lead_time_events(
    compiled: CompiledProcess, case: Case, document: str, data: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """Check the lead-time rules on `document` in the case's current scopes.

    Raises `LeadTimeViolation` for a hard rule; returns the breach records of soft ones.
    """
    breaches = []
    for deadline in _in_scope(compiled, case):
        if deadline.kind != "lead_time" or deadline.field is None or deadline.field.document != document:
            continue
        raw = data.get(deadline.field.field)
        value = parse_instant(raw) if isinstance(raw, str) else None
        if value is None:
            continue  # an absent optional field; a malformed one was refused by the schema
        instant = value[0] if value[0].tzinfo else value[0].replace(tzinfo=_zone(compiled))
        earliest = deadlines.earliest_allowed(at, deadline, compiled.calendar)
        if instant >= earliest:
            continue
        rule = f"{deadline.ref or deadline.id} asks for at least {deadline.at_least} of lead time"
        if not deadline.soft:
            raise LeadTimeViolation(document, deadline.field.field, str(raw), earliest, rule)
        breaches.append(
            {
                "deadline": deadline.id,
                "ref": deadline.ref,
                "field": deadline.field.field,
                "value": raw,
                "earliest": earliest.isoformat(),
            }
        )
    return breaches


def _zone(compiled: CompiledProcess) -> Any:
    return compiled.calendar.zone if compiled.calendar else UTC


def _from_rows(timing: Timed, case: CaseSummary, items: list[DueItem], now: datetime) -> list[Overdue] | None:
    """The case's overdue obligations from its due rows alone, exactly as its trail would judge them; None when
    the rows cannot tell (a recurring deadline, a row without its opening time)."""
    known = deadlines.by_id(timing.definition)
    late: list[Overdue] = []
    for item in items:
        scope, deadline = known.get(item.deadline_id, ("", None))
        if deadline is None or deadline.kind != "within" or item.opened_at is None:
            return None
        if item.due_at < now:  # `deadlines._within`: overdue when now is past due, open until then
            obligation = Obligation(
                item.key,
                deadline,
                scope,
                item.owner,
                "overdue",
                item.opened_at,
                item.due_at,
                provisional=item.provisional,
            )
            late.append(Overdue(case, obligation, now - item.due_at))
    return late


Reassign = Callable[[CompiledProcess, Case, str, datetime], Event | None]


class Timekeeper:
    def __init__(
        self,
        store: Store,
        hooks: Hooks,
        compiled_for: Callable[[str], CompiledProcess],  # by definition content hash: to write events
        timing_for: Callable[[str], Timed],  # the same, to judge deadlines only (no machine built)
        outbox: Outbox | None = None,
        reassign: Reassign | None = None,
    ) -> None:
        self.store, self.hooks, self._compiled_for, self.outbox = store, hooks, compiled_for, outbox
        self._timing_for = timing_for
        self._reassign = reassign  # `action: reassign` on an escalation: the engine's people rules pick whom

    def status(self, case: Case, now: datetime) -> list[Obligation]:
        """Every obligation of the case so far, judged on its history (a status, an inbox row)."""
        timing = self._timing_for(case.definition_hash)
        return deadlines.obligations(timing.definition, case, timing.calendar, now)

    def overdue(self, now: datetime) -> list[Overdue]:
        """Open obligations past due; a recurring deadline's missed periods in one visit count as one entry.

        Judged from the due rows, read in one query: a row of a `within` deadline is written at the commit
        that last changed its case, unmet (a met one has no row), and nothing but a commit can meet it, so it
        is overdue once `now` is past its due time. A case with a recurring deadline (its periods roll on
        between commits) or a row from before schema 14 is judged from its trail, as `late` does."""
        found: list[Overdue] = []
        for summary, items in self.store.due_cases(now):
            judged = _from_rows(self._timing_for(summary.definition_hash), summary, items, now)
            found.extend(judged if judged is not None else self._overdue_in(self.store.get(summary.id), now))
        return sorted(found, key=lambda o: (o.obligation.due_at, o.case.id, o.obligation.key))

    def late(self, case: Case, now: datetime) -> bool:
        """Whether the case has an obligation past due at `now` (the rule `overdue` lists by)."""
        return bool(self._overdue_in(case, now))

    def _overdue_in(self, case: Case, now: datetime) -> list[Overdue]:
        timing = self._timing_for(case.definition_hash)
        found: dict[str, Overdue] = {}
        for obligation in open_obligations(timing, case, now):
            if not late(obligation) or obligation.due_at is None or obligation.due_at > now:
                continue
            group = obligation.key.split("#")[0]
            earlier = found.get(group)
            found[group] = Overdue(
                CaseSummary.of(case), obligation, now - obligation.due_at, earlier.missed_periods + 1 if earlier else 1
            )
        return list(found.values())

    def tick(self, now: datetime, case_ids: Iterable[str] | None = None) -> list[Event]:
        """Record (once) every reminder and escalation due by `now` — in `case_ids`, or in every case the due
        index names — and run their hooks."""
        fired: list[Event] = []
        if case_ids is None:
            case_ids = [item.case_id for item in self.store.due(now, alerts=True)]
        for case_id in dict.fromkeys(case_ids):
            for attempt in range(3):
                try:
                    fired.extend(self._tick_case(self.store.get(case_id), now))
                    break
                except ConflictError:
                    if attempt == 2:
                        raise
        return fired

    def _tick_case(self, case: Case, now: datetime) -> list[Event]:
        compiled = self._compiled_for(case.definition_hash)
        calendar = compiled.calendar
        case = trailed(compiled, case)
        recorded = deadline_trail.recorded_alerts(case)
        events: list[Event] = []
        updated = case
        for obligation in open_obligations(compiled, case, now):
            if obligation.status not in ("open", "overdue") and not late(obligation):
                continue
            for alert in deadlines.alerts(obligation, calendar, recorded):
                if alert.at > now or (alert.kind == "reminded" and obligation.status != "open"):
                    continue
                rule = obligation.deadline.escalate[alert.rule] if alert.kind == "escalated" else None
                data = {
                    "deadline": obligation.deadline.id,
                    "ref": obligation.deadline.ref,
                    "key": obligation.key,
                    "rule": alert.rule,
                    "due_at": obligation.due_at.isoformat() if obligation.due_at else None,
                    "action": rule.action if rule else "remind",
                    "notify": rule.notify if rule else obligation.owner,
                    "overdue_by": str(rule.overdue_by) if rule else None,
                }
                event = seal(
                    Event(
                        updated.id,
                        updated.version + 1,
                        alert.kind,
                        now,
                        SYSTEM,
                        SYSTEM_ROLE,
                        updated.definition_hash,
                        data=MappingProxyType(data),
                    ),
                    updated,
                )
                updated = apply(updated, event)
                events.append(event)
                if rule is not None and rule.action == "reassign" and self._reassign is not None:
                    moved = self._reassign(compiled, updated, rule.notify, now)
                    if moved is not None:
                        updated = apply(updated, moved)
                        events.append(moved)
        updated = commit_step(self.store, self.outbox, compiled, updated, events, now)
        self.hooks.run(events, updated)
        return events
