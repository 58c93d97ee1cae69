"""Moving cases: between stores (export/import) and between versions of their process (migrate).

An export is self-contained — the definition version the case runs under,
the shared documents of its process, and every event — so importing it into
another store (SQLite → PostgreSQL) rebuilds the same case, hash for hash.
A migration is checked first and recorded as an event, so the history says
under which rules each step was taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..definition.bundle import from_bundle
from ..definition.model import ProcessDefinition
from ..errors import InputError, Refusal
from ..fold import replay
from ..records import Case
from ..store.base import Store
from ..store.records import event_from_dict, event_to_dict, version_from_dict, version_to_dict

EXPORT_FORMAT = 1


def export_case(store: Store, case: Case) -> dict[str, Any]:
    shared = store.shared(case.process_id)
    return {
        "procflow_export": EXPORT_FORMAT,
        "case": case.id,
        "definition": store.load_definition(case.definition_hash),
        "definitions": [store.load_definition(h) for h in _hashes(case) if h != case.definition_hash],
        "shared": [version_to_dict(v) for versions in shared.values() for v in versions],
        "events": [event_to_dict(e) for e in case.history],
    }


def _hashes(case: Case) -> list[str]:
    return list(dict.fromkeys(e.definition_hash for e in case.history))


def read_export(data: Any) -> tuple[list[ProcessDefinition], list[Any], Case]:
    """Check an export: format, definition hashes, and that its events replay. Raises `InputError`."""
    if not isinstance(data, Mapping) or data.get("procflow_export") != EXPORT_FORMAT:
        raise InputError("not a procflow case export (expected procflow_export: 1)")
    try:
        definitions = [from_bundle(b) for b in (data["definition"], *data.get("definitions", ()))]
        shared = [version_from_dict(row) for row in data.get("shared", ())]
        case = replay([event_from_dict(row) for row in data["events"]])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the export is damaged: {exc}") from None
    if case.id != data["case"]:
        raise InputError(f"the export says case {data['case']!r} but its events are for {case.id!r}")
    return definitions, shared, case


@dataclass(frozen=True)
class MigrationCheck:
    case_id: str
    source: str
    target: str
    problems: tuple[str, ...]

    @property
    def safe(self) -> bool:
        return not self.problems


class MigrationRefused(Refusal):
    def __init__(self, check: MigrationCheck) -> None:
        self.check = check
        lines = "\n".join(f"  - {p}" for p in check.problems)
        super().__init__(
            f"case {check.case_id} cannot move to {check.target[:12]} safely:\n{lines}\n"
            "(use --force to move it anyway; the problems are recorded in its history)"
        )


def check_migration(case: Case, source: ProcessDefinition, target: ProcessDefinition) -> MigrationCheck:
    """What would break if `case` ran under `target` from now on: its state gone, documents it lacks that the
    target newly requires where it stands, documents the target no longer knows."""
    problems = [
        f"it is in region state {leaf!r}, which the target version lacks (or holds elsewhere)"
        for leaf in case.leaves
        if leaf not in target.states or target.states[leaf].parent != case.state
    ]
    if case.state not in target.states:
        problems.append(f"its state {case.state!r} does not exist in the target version")
    elif case.leaves and not target.states[case.state].regions:
        problems.append(f"its state {case.state!r} has no regions in the target version")
    elif target.states[case.state].regions and not case.leaves:
        starts = ", ".join(f"{r.id} at {r.initial}" for r in target.states[case.state].regions)
        problems.append(f"its state {case.state!r} holds regions in the target version; they would start: {starts}")
    else:
        problems += [
            f"region {region.id!r} is new in the target version; it would start at {region.initial!r}"
            for region in target.states[case.state].regions
            if case.leaves
            and case.state in source.states
            and region.id not in {r.id for r in source.states[case.state].regions}
        ]
        before = _required_here(source, case.state)
        for document, why in _required_here(target, case.state).items():
            if document in before or document in case.documents:
                continue
            if document in target.documents and target.documents[document].shared:
                continue
            problems.append(f"{document!r} is now required ({why}) but the case has none")
    for name in case.documents:
        if name not in target.documents:
            problems.append(f"its document {name!r} is not part of the target version")
    return MigrationCheck(case.id, case.definition_hash, target.content_hash, tuple(dict.fromkeys(problems)))


def regions_after(case: Case, target: ProcessDefinition) -> dict[str, Any]:
    """What a `migrated` event records of the case's regions under `target` (nothing for a flat case):
    each region keeps its current state where the target still has it there, else starts at its initial."""
    spec = target.states.get(case.state)
    if spec is None or (not spec.regions and not case.leaves):
        return {}
    active = []
    for region in spec.regions:
        here = [leaf for leaf in case.leaves if leaf in region.states]
        active.append(here[0] if here else region.initial)
    return {"state": case.state, "active": active}


def _required_here(definition: ProcessDefinition, state: str) -> dict[str, str]:
    """Documents needed to leave `state` → the reason, in `definition`."""
    if state not in definition.states:
        return {}
    found = {req.document: f"to leave {state!r}" for req in definition.states[state].requires}
    for t in definition.transitions:
        if state in t.sources:
            for req in t.requires:
                found.setdefault(req.document, f"by {t.trigger!r}")
    return found
