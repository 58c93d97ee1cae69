"""`procflow authority FILE`: from the YAML alone, where one person could take a case past a gate alone.

Who holds which roles is not in the file (the people directory says that), so the check assumes the worst
the file allows: one person may hold every internal role. What stands in their way is what the file
declares: a step only an external role may take (the customer's sign-off), and the separation-of-duties
rules (whoever took one step may not take another). A path's steps are its transitions and the documents
each needs — required ones and those its condition reads — submitted by the person just before firing;
shared and computed documents are nobody's step on the case; a move that waits for regions (a join) needs
each region walked to an end first. A breadth-first search over (state, the
separation-relevant steps taken so far) finds the shortest path one person can walk, if any.
`invariants:` in the file declare where none may exist.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from ..definition.model import ProcessDefinition
from ..runtime.compiled import CompiledProcess
from ..runtime.gates import CompiledTransition


@dataclass(frozen=True)
class Step:
    kind: str  # "submit" or "fire"
    name: str
    roles: tuple[str, ...]  # the internal roles that may take it

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class LonePath:
    states: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Finding:
    start: str
    end: str
    path: LonePath | None
    invariant: str | None = None

    @property
    def broken(self) -> bool:
        return self.invariant is not None and self.path is not None


def resolve(definition: ProcessDefinition, name: str) -> frozenset[str]:
    """The states a state, stage or pipeline position id stands for (empty when it names none)."""
    if name in definition.states:
        return frozenset({name})
    return frozenset(
        s.id for s in definition.states.values() if s.stage == name or definition.pipeline_of(s.id) == name
    )


def _steps(definition: ProcessDefinition, move: CompiledTransition) -> tuple[Step, ...] | None:
    """What one person must do to take `move`; None when someone else must (only an external role may)."""
    internal = {r.id for r in definition.roles.values() if not r.external}
    needed = [req.document for req in move.requires] + sorted(move.guard_documents)
    steps = []
    for name in dict.fromkeys(needed):
        spec = definition.documents.get(name)
        if spec is None or spec.shared or spec.computed is not None:
            continue
        roles = tuple(r for r in spec.produced_by if r in internal)
        if not roles:
            return None
        steps.append(Step("submit", name, roles))
    roles = tuple(r for r in move.transition.roles if r in internal)
    if not roles:
        return None
    return (*steps, Step("fire", move.transition.trigger, roles))


def _region_walk(definition: ProcessDefinition, compiled: CompiledProcess, state: str) -> tuple[Step, ...] | None:
    """The fewest steps one person takes to bring every region a joining move of `state` waits for to an end;
    None when some region needs someone else. Separation is judged later, over the whole path's steps."""
    walked: list[Step] = []
    for region in definition.states[state].regions:
        ends = {s for s in region.states if definition.states[s].final}
        queue: deque[tuple[str, tuple[Step, ...]]] = deque([(region.initial, ())])
        seen, found = {region.initial}, None
        while queue and found is None:
            at, steps = queue.popleft()
            if at in ends:
                found = steps
                break
            for trigger in sorted(compiled.moves.get(at, {})):
                move = compiled.moves[at][trigger]
                more = _steps(definition, move)
                dest = move.transition.dest
                if more is not None and dest in region.states and dest not in seen:
                    seen.add(dest)
                    queue.append((dest, (*steps, *more)))
        if found is None:
            return None
        walked.extend(found)
    return tuple(walked)


def lone_path(
    definition: ProcessDefinition, compiled: CompiledProcess, starts: frozenset[str], ends: frozenset[str]
) -> LonePath | None:
    """The shortest path from a state in `starts` into `ends` that one person can walk alone."""
    rules = [(f"{r.did.kind}:{r.did.name}", f"{r.may_not.kind}:{r.may_not.name}") for r in definition.separation]
    relevant = {did for did, _ in rules}
    queue: deque[tuple[str, frozenset[str], LonePath]] = deque(
        (s, frozenset(), LonePath((s,), ())) for s in sorted(starts)
    )
    seen = {(s, frozenset[str]()) for s in starts}
    while queue:
        state, done, path = queue.popleft()
        for trigger in sorted(compiled.moves.get(state, {})):
            move = compiled.moves[state][trigger]
            steps = _steps(definition, move)
            if steps is not None and move.join:  # the regions it waits for must be walked first
                regions = _region_walk(definition, compiled, state)
                steps = None if regions is None else tuple(dict.fromkeys((*regions, *steps)))  # submit once
            if steps is None:
                continue
            taken, blocked = set(done), False
            for step in steps:
                if any(str(step) == may_not and did in taken for did, may_not in rules):
                    blocked = True
                    break
                if str(step) in relevant:
                    taken.add(str(step))
            if blocked:
                continue
            dest = move.transition.dest
            walked = LonePath((*path.states, dest), (*path.steps, *steps))
            if dest in ends:
                return walked
            key = (dest, frozenset(taken))
            if key not in seen:
                seen.add(key)
                queue.append((dest, frozenset(taken), walked))
    return None


def check(definition: ProcessDefinition) -> list[Finding]:
    """Each invariant's finding; without invariants, each step of the pipeline (position → next position)."""
    compiled = CompiledProcess.compile(definition)
    pairs: list[tuple[str, str, str | None]] = [(i.start, i.end, i.id) for i in definition.invariants]
    if not pairs:
        order = [p.id for p in definition.pipeline if p.id != "lost"]
        pairs = [(a, b, None) for a, b in pairwise(order)]
    return [
        Finding(a, b, lone_path(definition, compiled, resolve(definition, a), resolve(definition, b)), invariant)
        for a, b, invariant in pairs
    ]


def lines(findings: list[Finding]) -> Iterator[str]:
    for f in findings:
        label = f"invariant {f.invariant}: " if f.invariant else ""
        if f.path is None:
            yield f"{label}no single-person path from {f.start} to {f.end}"
            continue
        verdict = "BROKEN — " if f.broken else ""
        yield f"{verdict}{label}one person could go from {f.start} to {f.end} alone: " + " → ".join(f.path.states)
        yield "    steps: " + ", ".join(f"{s} ({'/'.join(s.roles)})" for s in f.path.steps)
