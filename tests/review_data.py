"""A realistic data set for the sales review: many cases walking the sales process, written as sealed events.

Paths follow the process's own transitions (only roles allowed to fire them,
losses at every stage with a reason, review rejections, nurture and
re-activation), at working-hours pace, so funnel, stage times, deadlines and
workload all have something to show. Events are written straight to the store
(no document validation), which makes 10,000 cases take seconds, not minutes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from procflow.chain import seal
from procflow.definition.model import ProcessDefinition
from procflow.fold import apply
from procflow.records import Case, Event
from procflow.store.base import Store

PEOPLE = {
    "bd_specialist": ["zhao_lei", "zheng_xiao", "wu_fan"],
    "account_manager": ["li_na", "chen_siyuan", "huang_chen", "xu_jing"],
    "sales_supervisor": ["zhou_qiang"],
    "legal": ["qian_li"],
    "finance": ["liu_fang"],
    "implementation_manager": ["he_jun", "ma_lin"],
    "sales_manager": ["wang_min"],
    "product_expert": ["sun_hao"],
    "marketing": ["gao_yan"],
}
REASONS = ["no_budget", "no_need", "chose_competitor", "no_response", "timing", "other"]
LOSS_CHANCE = {"development": 0.35, "discovery": 0.2, "solution": 0.2, "contract": 0.08}


def generate(
    store: Store,
    definition: ProcessDefinition,
    cases: int,
    *,
    seed: int = 7,
    start: datetime = datetime(2026, 1, 5, 1, tzinfo=UTC),
) -> list[str]:
    """Write `cases` cases of `definition` into `store`; returns their ids."""
    rng = random.Random(seed)
    ids = []
    for n in range(cases):
        at = start + timedelta(hours=rng.randint(0, 24 * 300))
        case, events = _walk(definition, f"{definition.id}-gen-{n:06d}", at, rng)
        store.commit(case, events, None)
        ids.append(case.id)
    return ids


def review_store(folder: Path, definition: ProcessDefinition, cases: int) -> str:
    """A SQLite store in `folder` with `definition` registered and `cases` generated cases; its URL."""
    from procflow.runtime.engine import Engine
    from procflow.store.registry import open_store

    url = f"sqlite:///{folder / 'review.db'}"
    engine = Engine(open_store(url))
    engine.register(definition)
    generate(engine.store, definition, cases)
    return url


def _person(role: str, rng: random.Random) -> str:
    return rng.choice(PEOPLE.get(role, [role]))


def _walk(d: ProcessDefinition, case_id: str, at: datetime, rng: random.Random) -> tuple[Case, list[Event]]:
    starter = d.states[d.initial].owner or "bd_specialist"
    event = seal(
        Event(
            case_id,
            1,
            "started",
            at,
            _person(starter, rng),
            starter,
            d.content_hash,
            dest=d.initial,
            data=MappingProxyType({"process_id": d.id, "data": {}}),
        ),
        None,
    )
    case = apply(None, event)
    events = [event]
    for _ in range(60):
        state = d.states[case.state]
        if state.final:
            break
        working = [leaf for leaf in case.leaves if not d.states[leaf].final]
        here = rng.choice(working) if working else case.state  # regions first, then the way out
        moves = [t for t in d.transitions if here in t.sources and t.roles]
        if working:
            moves = [t for t in moves if not d.states[t.dest].final or d.states[t.dest].parent] or moves
        stage = state.stage
        lose = [t for t in moves if d.states[t.dest].final and d.pipeline_of(t.dest) == "lost"]
        onward = [t for t in moves if t not in lose]
        if lose and not working and rng.random() < LOSS_CHANCE.get(stage, 0.0) / 2:
            move = lose[0]
            at += timedelta(hours=rng.uniform(2, 72))
            role = move.roles[0]
            loss = seal(
                Event(
                    case.id,
                    case.version + 1,
                    "submitted",
                    at,
                    _person(role, rng),
                    role,
                    d.content_hash,
                    document="loss_record",
                    document_version=1,
                    document_hash="0" * 64,
                    data=MappingProxyType({"reason": rng.choice(REASONS)}),
                ),
                case,
            )
            case = apply(case, loss)
            events.append(loss)
        else:
            if not onward:
                break
            move = rng.choice(onward)
        at += timedelta(hours=rng.uniform(1, 24 * (5 if stage in ("after_sales", "contract") else 3)))
        role = rng.choice(move.roles)
        fired = seal(
            Event(
                case.id,
                case.version + 1,
                "fired",
                at,
                _person(role, rng),
                role,
                d.content_hash,
                trigger=move.trigger,
                source=here,
                dest=move.dest,
                data=_configuration(d, case, move.dest),
            ),
            case,
        )
        case = apply(case, fired)
        events.append(fired)
    return case, events


def _configuration(d: ProcessDefinition, case: Case, dest: str) -> MappingProxyType[str, object] | None:
    """The fired event's data for a move into or inside regions (as the engine writes it), else None."""
    spec = d.states[dest]
    if spec.regions:
        return MappingProxyType({"state": dest, "active": [r.initial for r in spec.regions]})
    if spec.parent is None:
        return None
    active = [dest if d.states[leaf].region == spec.region else leaf for leaf in case.leaves]
    return MappingProxyType({"state": case.state, "active": active})
