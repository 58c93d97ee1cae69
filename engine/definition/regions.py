"""Load-time checks for states with regions: every mistake that would leave a case stuck or ambiguous.

A region must start somewhere and end somewhere, a join must be able to complete, moves stay inside their
region (a case enters the enclosing state and leaves it, never a region state from outside), and one trigger
moves one region only. Each problem is a (path, message, key) triple the checks module locates in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from .model import ProcessDefinition, Region
from .reader import Path


class Found(NamedTuple):
    path: Path
    message: str
    key: bool = False  # point at the key rather than the value
    severity: str = "error"


def state_path(d: ProcessDefinition, state: str) -> Path:
    """Where a state is written: `states.<id>`, or `states.<parent>.regions.<region>.states.<id>`."""
    spec = d.states[state]
    if spec.parent is None:
        return ("states", state)
    return ("states", spec.parent, "regions", spec.region or "", "states", state)


def region_problems(d: ProcessDefinition) -> Iterator[Found]:
    yield from _duplicate_ids(d)
    for state in d.states.values():
        base = state_path(d, state.id)
        if state.regions and state.final:
            yield Found((*base, "final"), f"state {state.id!r} holds regions, so it cannot be final", False)
        if not state.regions and "join" in _raw(d, base):
            yield Found((*base, "join"), f"state {state.id!r} has no regions to join; remove 'join'", True)
        for region in state.regions:
            yield from _region(d, state.id, region)
        names = [r.id for r in state.regions]
        for i, name in enumerate(state.join):
            if name not in names:
                yield Found(
                    (*base, "join", i), f"the join names region {name!r}, which {state.id!r} does not have", False
                )
        yield from _one_region_per_trigger(d, state.id, state.regions)
    yield from _moves(d)


def _raw(d: ProcessDefinition, path: Path) -> Any:
    node: Any = d.raw
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def _duplicate_ids(d: ProcessDefinition) -> Iterator[Found]:
    seen = set(d.raw.get("states", {}))
    for sid, raw in d.raw.get("states", {}).items():
        for rid, region in (raw.get("regions") or {}).items():
            for leaf in region.get("states", {}):
                if leaf in seen:
                    where: Path = ("states", sid, "regions", rid, "states", leaf)
                    yield Found(
                        where, f"state id {leaf!r} is used twice; state ids are unique in the whole process", True
                    )
                seen.add(leaf)


def _region(d: ProcessDefinition, parent: str, region: Region) -> Iterator[Found]:
    base: Path = ("states", parent, "regions", region.id)
    if region.initial not in region.states:
        yield Found(
            (*base, "initial"),
            f"region {region.id!r} starts in {region.initial!r}, which is not one of its states",
            False,
        )
        return
    ends = [s for s in region.states if d.states[s].final]
    if not ends:
        yield Found(base, f"region {region.id!r} of {parent!r} has no end: mark one of its states 'final: true'", True)
        return
    reached, queue = {region.initial}, [region.initial]
    while queue:
        here = queue.pop()
        for t in d.transitions:
            if here in t.sources and t.dest in region.states and t.dest not in reached:
                reached.add(t.dest)
                queue.append(t.dest)
    if region.id in d.states[parent].join and not reached & set(ends):
        yield Found(
            base,
            f"the join of {parent!r} can never complete: region {region.id!r} never reaches an end "
            f"({', '.join(ends)}) from {region.initial!r}; add a move to an end or leave it out of 'join'",
            True,
        )


def _one_region_per_trigger(d: ProcessDefinition, parent: str, regions: tuple[Region, ...]) -> Iterator[Found]:
    owner: dict[str, str] = {}
    for region in regions:
        for t in d.transitions:
            if not any(s in region.states for s in t.sources):
                continue
            first = owner.setdefault(t.trigger, region.id)
            if first != region.id:
                yield Found(
                    ("transitions", t.index, "trigger"),
                    f"trigger {t.trigger!r} moves both region {first!r} and region {region.id!r} of {parent!r}; "
                    "give each region's moves their own trigger names",
                    False,
                )


def _moves(d: ProcessDefinition) -> Iterator[Found]:
    for t in d.transitions:
        if t.dest not in d.states:
            continue
        dest = d.states[t.dest]
        sources = [d.states[s] for s in t.sources if s in d.states]
        for source in sources:
            if (source.parent, source.region) == (dest.parent, dest.region):
                continue
            if dest.parent is not None:
                yield Found(
                    ("transitions", t.index, "to"),
                    f"{t.trigger!r} goes into region state {t.dest!r} from outside its region; move to "
                    f"{dest.parent!r} instead (its regions start at their initial states)",
                    False,
                )
            else:
                yield Found(
                    ("transitions", t.index, "from"),
                    f"{t.trigger!r} leaves {source.id!r} (in region {source.region!r}) for a state outside the "
                    f"region; a region's moves stay in it: leave from {source.parent!r} instead",
                    False,
                )
            break
        if t.interrupts and not any(s.regions for s in sources):
            yield Found(
                ("transitions", t.index, "interrupts"),
                f"{t.trigger!r} leaves no state with regions, so 'interrupts' has no effect",
                True,
                "warning",
            )
