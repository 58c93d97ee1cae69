"""`procflow backtest NEW.yaml`: the store's real case histories replayed under a proposed definition.

Every recorded action — starts, submissions, transitions, and the shared documents published meanwhile —
is performed again, in the order it happened, by the same person in the same role at the same instant
(a simulated clock), on an in-memory engine running the proposed definition. Computed documents,
reminders and escalations are left for that engine to make itself. A case whose action the proposal
refuses stops there: the refusal and why (a separation-of-duties rule among them) is the finding, and its
later history is not comparable. For the others, each deadline's outcome is compared occurrence by
occurrence (met vs late/missed), and the funnel and days per stage are figured both ways. Nothing is
written to the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import FixedClock
from ..deadlines import Obligation
from ..definition.model import ProcessDefinition
from ..errors import ProcflowError
from ..records import ROUND_KINDS, SYSTEM, Actor, Case, DocumentVersion, Event
from ..reports.review import version_figures as figures
from ..runtime.engine import Engine
from ..store.registry import open_store

MET, MISSED = ("met",), ("late", "missed", "overdue", "breach")


REPLAYED = ("started", "submitted", "fired", *ROUND_KINDS)
VERBS = {"started": "start", "submitted": "submit", "fired": "fire", "signed": "sign"}


@dataclass(frozen=True)
class Refused:
    case_id: str
    seq: int
    at: datetime
    actor: str
    action: str
    reason: str  # the refusal's class, e.g. DutiesNotSeparated
    message: str


@dataclass(frozen=True)
class Flip:
    case_id: str
    deadline: str
    occurrence: int
    old: str
    new: str
    old_due: datetime | None
    new_due: datetime | None


@dataclass
class Backtest:
    definition: ProcessDefinition
    cases: int = 0
    refused: list[Refused] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)


def _timeline(engine: Engine, cases: list[Case], shared: dict[str, tuple[DocumentVersion, ...]]) -> list[Any]:
    """Every action to replay, in the order it happened: (at, case id, seq, event or shared version)."""
    actions: list[tuple[datetime, str, int, Event | DocumentVersion]] = [
        (e.at, e.case_id, e.seq, e)
        for case in cases
        for e in case.history
        if e.kind in REPLAYED and not (e.kind == "fired" and e.actor == SYSTEM)  # a decided round fires itself
    ]
    actions += [(v.at, "", v.version, v) for versions in shared.values() for v in versions]
    return sorted(actions, key=lambda a: (a[0], a[1], a[2]))


def _perform(engine: Engine, process: str, item: Event | DocumentVersion, replayed: dict[str, Case]) -> str:
    if isinstance(item, DocumentVersion):
        engine.publish(process, item.document, dict(item.data), Actor(item.actor, item.role))
        return f"publish {item.document}"
    actor = Actor(item.actor, item.role)
    if item.kind == "started":
        data = dict((item.data or {}).get("data", {}))
        replayed[item.case_id] = engine.start(process, actor, data=data, case_id=item.case_id)
        return "start"
    if item.kind == "submitted":
        replayed[item.case_id] = engine.submit(replayed[item.case_id], str(item.document), dict(item.data or {}), actor)
        return f"submit {item.document}"
    if item.kind in ROUND_KINDS:
        data = dict(item.data or {})
        case, state = replayed[item.case_id], str(data.get("state"))
        if item.kind == "signed":
            verdict = str(data.get("verdict"))
            replayed[item.case_id] = engine.sign(
                case, verdict, actor, comment=str(data.get("comment") or ""), state=state
            )
            return f"sign {verdict} {state}"
        change = engine.add_signer if item.kind == "signer_added" else engine.remove_signer
        replayed[item.case_id] = change(case, str(data.get("signer")), actor, state=state)
        return f"{item.kind} {data.get('signer')}"
    replayed[item.case_id] = engine.fire(replayed[item.case_id], str(item.trigger), actor)
    return f"fire {item.trigger}"


def _outcomes(found: Iterable[Obligation]) -> dict[tuple[str, int], Obligation]:
    seen: dict[str, int] = {}
    paired = {}
    for o in found:
        name = o.deadline.ref or o.deadline.id
        seen[name] = seen.get(name, 0) + 1
        paired[(name, seen[name])] = o
    return paired


def _class(status: str) -> str:
    return "met" if status in MET else "missed" if status in MISSED else status


def flips(case_id: str, old: list[Obligation], new: list[Obligation]) -> Iterator[Flip]:
    before, after = _outcomes(old), _outcomes(new)
    for (name, n), was in before.items():
        now = after.get((name, n))
        if now is not None and {_class(was.status), _class(now.status)} == {"met", "missed"}:
            yield Flip(case_id, name, n, was.status, now.status, was.due_at, now.due_at)


def backtest(
    engine: Engine,
    proposed: ProcessDefinition,
    now: datetime,
    *,
    process: str | None = None,
    since: datetime | None = None,
) -> Backtest:
    """Replay the cases of `process` (default: the proposal's) started since `since` under `proposed`."""
    process_id = process or proposed.id
    cases = [c for c in engine.store.cases_with_events(process_id) if since is None or c.created_at >= since]
    clock = FixedClock(now)
    sandbox = Engine(open_store("memory:"), clock=clock, directory=engine.directory)  # the same people, read only
    sandbox.register(proposed)
    result = Backtest(proposed, cases=len(cases))
    replayed: dict[str, Case] = {}
    stopped: set[str] = set()
    for at, case_id, seq, item in _timeline(engine, cases, dict(engine.store.shared(process_id))):
        if case_id in stopped:
            continue
        clock.set(at)
        try:
            _perform(sandbox, proposed.id, item, replayed)
        except ProcflowError as exc:
            if isinstance(item, DocumentVersion):
                continue  # a shared document the proposal will not take: its cases show what follows
            verb = VERBS.get(item.kind, item.kind)
            detail = item.document or item.trigger or str((item.data or {}).get("state") or "")
            action = f"{verb} {detail}".strip()
            result.refused.append(
                Refused(case_id, seq, at, f"{item.actor}:{item.role}", action, type(exc).__name__, exc.message)
            )
            stopped.add(case_id)
    clock.set(now)
    comparable = [c for c in cases if c.id in replayed and c.id not in stopped]
    for case in comparable:
        result.flips.extend(flips(case.id, engine.deadlines(case, now), sandbox.deadlines(replayed[case.id], now)))
    current = engine.definition(process_id)
    known = [c for c in cases if c.state in current.states]
    result.old = figures(engine, current, known, now, None)
    result.new = figures(sandbox, proposed, [replayed[c.id] for c in cases if c.id in replayed], now, None)
    return result
