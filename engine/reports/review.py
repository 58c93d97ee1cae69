"""The sales review (复盘) figures, from the history alone: funnel, time in stage, deadlines, losses, workload.

Figures are per process version (definition hash), over the cases started in
the period. They are computed from events, so they need no bookkeeping of
their own and cannot disagree with the audit trail.

The funnel runs over the process's `pipeline` positions, and the close rate is the share of cases that became a
`customer`. A process without a pipeline (a complaint) has its stages as the funnel, and its close rate is the
share of cases that reached a final state (closed, however they ended); it has no `lost` count.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import calendars
from ..deadlines import obligations
from ..definition.model import ProcessDefinition
from ..i18n import translator
from ..records import Case
from ..runtime.engine import Engine
from ..visits import visits


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def holds(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 2)


def figures(
    engine: Engine,
    process_id: str,
    period: Period,
    now: datetime,
    lang: str | None = None,
    viewer: str | None = None,
    keep: Callable[[Case], bool] | None = None,
) -> dict[str, Any]:
    """Every figure of the review, grouped by process version; for a `viewer`, of the cases they may see; with
    `keep`, of the cases it keeps (a team's, for the web app's review page)."""
    by_version: dict[str, list[Case]] = defaultdict(list)
    for case in engine.store.cases_with_events(process_id):
        if (
            period.holds(case.created_at)
            and (viewer is None or engine.sees(viewer, case))
            and (keep is None or keep(case))
        ):
            by_version[case.definition_hash].append(case)
    versions = []
    for digest, cases in sorted(by_version.items(), key=lambda kv: min(c.created_at for c in kv[1])):
        definition = engine.definition(process_id, digest)
        versions.append(version_figures(engine, definition, cases, now, lang))
    return {
        "process": process_id,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "zone": str(period.start.tzinfo or "UTC"),
        "cases": sum(len(v) for v in by_version.values()),
        "versions": versions,
    }


def version_figures(
    engine: Engine, d: ProcessDefinition, cases: list[Case], now: datetime, lang: str | None
) -> dict[str, Any]:
    words = translator(lang or d.locale)
    if d.pipeline:
        order = [p.id for p in d.pipeline]
        titles = {p.id: p.title.get(lang) for p in d.pipeline}
        position_of = d.pipeline_of
    else:  # no sales pipeline: the funnel is the stages a case went through
        order = [s.id for s in d.stages]
        titles = {s.id: s.title.get(lang) for s in d.stages}

        def position_of(state: str) -> str | None:
            return d.states[state].stage

    reached: Counter[str] = Counter()
    stage_time: dict[str, list[float]] = defaultdict(list)
    region_time: dict[tuple[str, str], list[float]] = defaultdict(list)
    outcomes: Counter[str] = Counter()
    losses: Counter[str] = Counter()
    loss_titles: dict[str, str] = {}
    by_person: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    calendar = calendars.for_declaration(d.calendar)
    compliance: dict[str, dict[str, Any]] = {}
    for case in cases:
        positions = {position_of(e.dest) for e in case.history if e.dest and e.dest in d.states}
        for position in positions - {None}:
            reached[str(position)] += 1
        _stage_durations(d, case, now, stage_time)
        _region_durations(d, case, region_time)
        if d.states[case.state].final:
            outcomes[case.state] += 1
            if d.pipeline_of(case.state) == "lost" or case.state == "lost":
                for name, versions in case.documents.items():
                    reason = versions[-1].data.get("reason")
                    if isinstance(reason, str):
                        losses[reason] += 1
                        spec = d.documents.get(name)
                        loss_titles[reason] = words.named(reason, spec.choice("reason", reason) if spec else None)
        for event in case.history:
            if event.kind in ("submitted", "fired") and event.role != "system":
                by_person[event.actor] += 1
                by_role[event.role] += 1
        for obligation in obligations(d, case, calendar, now):
            row = compliance.setdefault(
                obligation.deadline.ref or obligation.deadline.id,
                {
                    "title": obligation.deadline.title.get(lang),
                    "met": 0,
                    "late": 0,
                    "missed": 0,
                    "open": 0,
                    "lateness": [],
                },
            )
            if obligation.status in ("met", "late", "missed"):
                row[obligation.status] += 1
            elif obligation.status in ("open", "overdue", "waiting"):
                row["open"] += 1
            if obligation.status == "late" and obligation.met_at and obligation.due_at:
                row["lateness"].append((obligation.met_at - obligation.due_at).total_seconds() / 3600)
    funnel = []
    previous = None
    for position in order:
        count = reached.get(position, 0)
        rate: float | None = round(count / previous, 3) if previous else None
        funnel.append({"position": position, "title": titles[position], "cases": count, "conversion": rate})
        if position != "lost":
            previous = count or previous
    started = len(cases)
    closed = reached.get("customer", 0) if d.pipeline else sum(outcomes.values())
    deadlines = []
    for name, row in sorted(compliance.items()):
        judged = row["met"] + row["late"] + row["missed"]
        deadlines.append(
            {
                "deadline": name,
                "title": row["title"],
                "judged": judged,
                "open": row["open"],
                "met_pct": round(100 * row["met"] / judged, 1) if judged else None,
                "late": row["late"],
                "missed": row["missed"],
                "median_lateness_h": round(statistics.median(row["lateness"]), 1) if row["lateness"] else None,
            }
        )
    return {
        "version": d.version,
        "hash": d.content_hash,
        "cases": started,
        "funnel": [f for f in funnel if f["position"] != "lost"],
        "lost": reached.get("lost", 0) if d.pipeline else None,
        "close_rate": round(closed / started, 3) if started else None,
        "outcomes": dict(outcomes.most_common()),
        "stage_days": [
            {
                "stage": s.id,
                "title": s.title.get(lang),
                "cases": len(stage_time[s.id]),
                "median": round(statistics.median(stage_time[s.id]), 2) if stage_time[s.id] else None,
                "p25": _quantile(stage_time[s.id], 0.25),
                "p75": _quantile(stage_time[s.id], 0.75),
                "p90": _quantile(stage_time[s.id], 0.9),
                "max": max(stage_time[s.id], default=0.0),
            }
            for s in d.stages
            if stage_time[s.id]
        ],
        "region_days": [
            {
                "state": state,
                "state_title": words.named(state, d.states[state].title),
                "region": region,
                "cases": len(times),
                "median": round(statistics.median(times), 2),
                "p90": _quantile(times, 0.9),
            }
            for (state, region), times in sorted(region_time.items())
        ],
        "deadlines": deadlines,
        "loss_reasons": dict(losses.most_common()),
        "loss_titles": loss_titles,
        "workload": {"by_role": dict(by_role.most_common()), "by_person": dict(by_person.most_common(20))},
        "role_titles": {role: words.named(role, d.roles[role].title) for role in by_role if role in d.roles},
    }


def _region_durations(d: ProcessDefinition, case: Case, out: dict[tuple[str, str], list[float]]) -> None:
    """Days each region took: from entering the state holding it to reaching one of the region's ends."""
    if not any(s.regions for s in d.states.values()):
        return
    seen = visits(d, case)
    for state in (s for s in d.states.values() if s.regions):
        for outer in seen.get(f"state:{state.id}", ()):
            for region in state.regions:
                ends = [
                    v.entered_at
                    for leaf in region.states
                    if d.states[leaf].final
                    for v in seen.get(f"state:{leaf}", ())
                    if v.entered_seq >= outer.entered_seq and (outer.left_seq is None or v.entered_seq < outer.left_seq)
                ]
                if ends:
                    out[(state.id, region.id)].append(_days(min(ends) - outer.entered_at))


def _stage_durations(d: ProcessDefinition, case: Case, now: datetime, out: dict[str, list[float]]) -> None:
    current, since = None, None
    for event in case.history:
        if event.dest and event.dest in d.states and event.kind in ("started", "fired"):
            stage = d.states[event.dest].stage
            if stage != current:
                if current is not None and since is not None:
                    out[current].append(_days(event.at - since))
                current, since = stage, event.at
    if current is not None and since is not None and not d.states[case.state].final:
        out[current].append(_days(now - since))
