"""Scenarios: scripted walks through a process on a simulated clock, with expectations.

A scenario file (format: `schemas/scenario.schema.json`) lists who does what,
when, with which data, and what must follow. The demo prints them; the tests
run them all, so a YAML change that breaks an agreed path fails.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from .clock import FixedClock
from .definition.model import ProcessDefinition
from .definition.reader import read_yaml
from .errors import DefinitionError, InputError, ProcflowError, Refusal
from .files import read_bounded, shown
from .patterns import FORMATS, linear
from .people.cast import CAST_ADMIN, first_admin, seat
from .people.teamfile import read_team, team_drafts
from .people_records import Person
from .records import SYSTEM, Actor, Case, current_assignment
from .runtime.engine import Engine

_STEP = re.compile(r"(\d+)(m|h|d)")
_UNIT = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class StepResult:
    index: int
    at: datetime
    actor: str
    action: str
    note: str
    before: str | None
    after: str | None
    refused: str | None = None
    events: tuple[Any, ...] = ()


@dataclass
class ScenarioResult:
    scenario: str
    title: str
    case: Case | None = None
    steps: list[StepResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@cache
def _validator() -> Validator:
    text = resources.files("procflow").joinpath("scenario.schema.json").read_text("utf-8")
    return linear(Draft202012Validator)(json.loads(text), format_checker=FORMATS)


def read_scenario(path: str | Path) -> dict[str, Any]:
    marked = read_yaml(read_bounded(path, what="scenario"), shown(path))
    problems = list(marked.problems)
    for error in _validator().iter_errors(marked.data):
        problems.append(marked.problem(tuple(error.absolute_path), error.message))
    if problems:
        raise DefinitionError(problems)
    scenario: dict[str, Any] = marked.data
    scenario["_dir"] = str(Path(path).parent)
    return scenario


def run_scenario(
    scenario: Mapping[str, Any],
    engine: Engine,
    clock: FixedClock,
    process: str,
    *,
    on_step: Callable[[StepResult, Case | None], None] | None = None,
) -> ScenarioResult:
    """Run every step; collect failed expectations instead of stopping at the first."""
    clock.set(datetime.fromisoformat(scenario["start"]))
    _seat_team(scenario, engine, clock.now())
    result = ScenarioResult(scenario["scenario"], scenario["title"])
    case: Case | None = None
    for index, step in enumerate(scenario["steps"], 1):
        if "after" in step:
            amount, unit = _STEP.fullmatch(step["after"]).groups()  # type: ignore[union-attr]
            clock.advance(timedelta(**{_UNIT[unit]: int(amount)}))
        actor = Actor.parse(step["as"]) if "as" in step else None
        before = case.state if case else None
        version = case.version if case else 0
        action, refused = _describe(step), None
        try:
            case = _perform(step, engine, process, actor, case)
        except Refusal as exc:
            refused = type(exc).__name__
            expected = step.get("expect", {}).get("refused")
            if expected != refused:
                result.failures.append(f"step {index} ({action}): refused ({refused}): {exc.message}")
        except ProcflowError as exc:
            refused = type(exc).__name__
            if step.get("expect", {}).get("refused") != refused:
                result.failures.append(f"step {index} ({action}): {type(exc).__name__}: {exc.message}")
        else:
            if "refused" in step.get("expect", {}):
                result.failures.append(
                    f"step {index} ({action}): expected {step['expect']['refused']}, but it was allowed"
                )
        events = tuple(case.history[version:]) if case else ()
        result.failures.extend(
            f"step {index} ({action}): {f}" for f in _check(step.get("expect", {}), case, engine, events)
        )
        outcome = StepResult(
            index,
            clock.now(),
            str(actor or ""),
            action,
            step.get("note", ""),
            before,
            case.state if case else None,
            refused,
            events,
        )
        result.steps.append(outcome)
        if on_step:
            on_step(outcome, case)
    result.case = case
    return result


def _seat_team(scenario: Mapping[str, Any], engine: Engine, at: datetime) -> None:
    """The scenario's team file into the run's directory; without one, the cast its steps name."""
    team = engine.team
    if "team" in scenario:
        if not team.directory.roster().seq:
            team.init(Person(CAST_ADMIN, CAST_ADMIN), at)
        path = Path(scenario.get("_dir", ".")) / scenario["team"]
        roster = team.directory.roster()
        team.change(first_admin(roster), team_drafts(read_team(path), roster, team.roles or (), str(path)), at)
        return
    seat(team, [Actor.parse(step["as"]) for step in scenario["steps"] if "as" in step], at)


def _describe(step: Mapping[str, Any]) -> str:
    for key in ("publish", "submit", "fire", "sign", "add_signer", "remove_signer"):
        if key in step:
            return f"{key} {step[key]}"
    if "tick" in step:
        return "tick"
    return "start" if "start" in step else "check"


def _perform(
    step: Mapping[str, Any], engine: Engine, process: str, actor: Actor | None, case: Case | None
) -> Case | None:
    if "tick" in step:
        engine.tick(case_ids=[case.id] if case else [])
        return engine.get(case.id) if case else None
    if actor is None:
        return case
    if "publish" in step:
        engine.publish(process, step["publish"], step["data"], actor)
        return case
    if "start" in step:
        return engine.start(process, actor, data=step["start"])
    if case is None:
        raise InputError("the scenario acts on a case before a 'start' step")
    if "submit" in step:
        return engine.submit(case, step["submit"], step["data"], actor)
    if "fire" in step:
        return engine.fire(case, step["fire"], actor)
    if "sign" in step:
        return engine.sign(case, step["sign"], actor, comment=step.get("comment", ""), state=step.get("round"))
    for key, adding in (("add_signer", True), ("remove_signer", False)):
        if key in step:
            change = engine.add_signer if adding else engine.remove_signer
            return change(case, step[key], actor, state=step.get("round"))
    return case


def _check(expect: Mapping[str, Any], case: Case | None, engine: Engine, new: tuple[Any, ...]) -> Iterator[str]:
    if "state" in expect and (case is None or case.state != expect["state"]):
        yield f"expected state {expect['state']!r}, found {case.state if case else None!r}"
    if "active" in expect and (case is None or list(case.leaves) != list(expect["active"])):
        yield f"expected the regions at {expect['active']}, found {list(case.leaves) if case else None}"
    for document, fields in expect.get("document", {}).items():
        latest = case.latest(document) if case else None
        if latest is None:
            yield f"expected document {document!r}, which is absent"
            continue
        for name, value in fields.items():
            if latest.data.get(name) != value:
                yield f"expected {document}.{name} == {value!r}, found {latest.data.get(name)!r}"
    if "deadlines" in expect and case is not None:
        statuses: dict[str, str] = {}
        for obligation in engine.deadlines(case):
            statuses[obligation.deadline.ref or obligation.deadline.id] = obligation.status
            statuses[obligation.deadline.id] = obligation.status
        for name, wanted in expect["deadlines"].items():
            if statuses.get(name) != wanted:
                yield f"expected deadline {name} {wanted}, found {statuses.get(name, 'no obligation')}"
    if "assignee" in expect:
        held = current_assignment(case) if case else None
        found = held.person if held else None
        if found != expect["assignee"]:
            yield f"expected the work with {expect['assignee']!r}, found {found!r}"
    if "resting_on" in expect:
        basis = next((e.basis for e in new if e.actor != SYSTEM), None) or ""
        if expect["resting_on"] not in basis:
            yield f"expected the action to rest on {expect['resting_on']!r}, found {basis or 'nothing'!r}"
    for kind in expect.get("events", ()):
        if not any(event.kind == kind for event in new):
            yield f"expected a {kind!r} event, found {[event.kind for event in new]}"


class _OutOfTime(Exception):
    """Raised between two steps when the budget is spent (never leaves `run_within`)."""


def run_within(
    definition: ProcessDefinition, scenarios: Sequence[Mapping[str, Any]], budget: timedelta
) -> list[ScenarioResult | None]:
    """Run each scenario on a fresh in-memory engine until `budget` (wall time) is spent: one result per
    scenario, None for those the budget did not reach (a scenario still running when it ends is stopped
    between two steps and counts as not reached), so a page that runs them answers in bounded time."""
    deadline = time.monotonic() + budget.total_seconds()

    def stop_when_late(step: StepResult, case: Case | None) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime(f"the scenarios' time budget ({budget}) is spent")

    results: list[ScenarioResult | None] = []
    for scenario in scenarios:
        if time.monotonic() > deadline:
            results.append(None)
            continue
        clock = FixedClock(datetime.fromisoformat(scenario["start"]))
        engine = Engine(clock=clock)
        engine.register(definition)
        try:
            results.append(run_scenario(scenario, engine, clock, definition.id, on_step=stop_when_late))
        except _OutOfTime:
            results.append(None)
    return results
