"""Computed documents that waited for a shared input: computed when that input is published.

A computed document is made once every input is present (`Engine._recompute`). When one of its inputs is a
shared document that was not published yet — a lead recorded before the sales manager published the customer
profile — the case has no grade, and nothing the case's own people do would make one (only a new version of
an input the case owns would). So publishing a shared document completes, in each open case of the process,
the computed documents that depend on it and are still missing: one commit per case, with the version check,
by the system. Cases that already have the document keep it (a new profile version does not regrade them).
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..errors import ConflictError
from ..fold import apply
from ..records import Case, Event
from . import policy
from .compiled import CompiledProcess
from .parts import EngineParts

log = logging.getLogger("procflow.engine")
TRIES = 3  # a case that keeps moving under us is left for its next submit


class CatchUp(EngineParts):
    def _recompute(
        self, compiled: CompiledProcess, case: Case, target: str, shared: policy.Shared, at: datetime
    ) -> Event | None:
        raise NotImplementedError

    def _complete_waiting(self, process_id: str, document: str, at: datetime) -> list[str]:
        """Compute, in every open case of `process_id`, the missing documents that wait for the shared
        `document` (just published); the ids of the cases that got one. Cases are read only if some version
        of the process computes a document from it."""
        versions = [self._compile(content_hash) for content_hash, _, _ in self.store.definitions(process_id)]
        if not any(compiled.dependents.get(document) for compiled in versions):
            return []
        shared = self.store.shared(process_id)
        done = []
        for case in self.store.cases_with_events(process_id):
            compiled = self._compile(case.definition_hash)
            if not self._waiting(compiled, case, document):
                continue
            for _ in range(TRIES):
                try:
                    if self._complete(compiled, case, document, shared, at):
                        done.append(case.id)
                    break
                except ConflictError:
                    case = self.store.get(case.id)
            else:
                log.warning("case %s kept changing; its documents waiting for %s are left", case.id, document)
        return sorted(done)

    @staticmethod
    def _waiting(compiled: CompiledProcess, case: Case, document: str) -> bool:
        if compiled.definition.states[case.state].final:
            return False
        return any(case.latest(target) is None for target in compiled.dependents.get(document, ()))

    def _complete(
        self, compiled: CompiledProcess, case: Case, document: str, shared: policy.Shared, at: datetime
    ) -> bool:
        events: list[Event] = []
        for target in compiled.dependents.get(document, ()):
            if case.latest(target) is not None:
                continue
            event = self._recompute(compiled, case, target, shared, at)
            if event is not None:
                events.append(event)
                case = apply(case, event)
        if not events:
            return False
        case = self._commit(compiled, case, events, at)
        self.hooks.run(events, case)
        return True
