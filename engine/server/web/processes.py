"""The process pages beyond the overview: a semantic diff between any two stored versions (`procflow.diff`) and
the process's scenarios run against its newest version (`procflow.scenario`), within a time budget."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.responses import Response

from ... import diff, shipped
from ...definition.model import ProcessDefinition
from ...errors import InputError, ProcflowError
from ...scenario import ScenarioResult, read_scenario, run_within
from ..problems import ApiProblem
from .common import Web

SCENARIO_BUDGET = timedelta(seconds=10)  # wall time one page may spend running scenarios
_KEPT_RUNS = 16  # complete runs remembered (by version and files), so a reload does not run them again
_RESULTS: dict[tuple[str, tuple[tuple[str, float], ...]], list[ScenarioResult | None]] = {}


def known_process(web: Web) -> str:
    """The process the path names; a 404 for one the store does not hold."""
    process = str(web.request.path_params["process"])
    if not web.engine.store.definitions(process):
        raise ApiProblem(404, f"no process {process!r} in the store")
    return process


def _version(web: Web, process: str, asked: str) -> ProcessDefinition:
    """A stored version of `process` by its content hash or a prefix of it (as the page shows: 12 digits)."""
    found = [digest for digest, _, _ in web.engine.versions(process) if asked and digest.startswith(asked)]
    if len(found) != 1:
        raise ApiProblem(404, f"process {process} has no single version {asked!r}; pick one on the process page")
    return web.engine.definition(process, found[0])


def diff_page(web: Web) -> Response:
    process = known_process(web)
    query = web.request.query_params
    old, new = _version(web, process, query.get("from", "")), _version(web, process, query.get("to", ""))
    changes = diff.compare(old, new)
    groups: dict[str, list[diff.Change]] = {}
    for change in changes:
        groups.setdefault(change.stage, []).append(change)
    return web.page("diff.html", process=process, old=old, new=new, groups=groups, equal=not changes)


def scenario_folder(definition: ProcessDefinition) -> Path | None:
    """Where the process's scenarios are: beside the file it was loaded from, else beside the shipped one."""
    candidates = [Path(definition.source_file).parent / definition.id / "scenarios"] if definition.source_file else []
    with suppress(InputError):  # an installation without its shipped folder: only the source's
        candidates.append(shipped.folder("processes") / definition.id / "scenarios")
    return next((c for c in candidates if c.is_dir()), None)


def _run(definition: ProcessDefinition, files: list[Path]) -> list[ScenarioResult | None]:
    """The results for this version and these files (cached: a run is deterministic on its simulated clock)."""
    key = (definition.content_hash, tuple((str(f), f.stat().st_mtime) for f in files))
    if key not in _RESULTS:
        scenarios = [read_scenario(f) for f in files]
        results = run_within(definition, scenarios, SCENARIO_BUDGET)
        if all(r is not None for r in results):  # a run the budget cut short is tried again next time
            if len(_RESULTS) >= _KEPT_RUNS:
                _RESULTS.pop(next(iter(_RESULTS)))  # the oldest
            _RESULTS[key] = results
        return results
    return _RESULTS[key]


def scenarios_page(web: Web) -> Response:
    process = known_process(web)
    definition = web.engine.definition(process)
    folder = scenario_folder(definition)
    files = sorted(folder.glob("*.yaml")) if folder else []
    rows: list[Mapping[str, Any]] = []
    try:
        results = _run(definition, files)
    except ProcflowError as broken:  # a scenario file that does not read: said, not run
        return web.page("scenarios.html", process=process, definition=definition, rows=[], problem=broken.message)
    for path, result in zip(files, results, strict=True):
        rows.append(
            {
                "file": path.name,
                "result": result,
                "end": result.case.state if result and result.case else "",
                "end_title": _state_title(web, definition, result),
            }
        )
    return web.page("scenarios.html", process=process, definition=definition, rows=rows, problem="")


def _state_title(web: Web, definition: ProcessDefinition, result: ScenarioResult | None) -> str:
    if result is None or result.case is None or result.case.state not in definition.states:
        return ""
    return definition.states[result.case.state].title.get(web.lang)
