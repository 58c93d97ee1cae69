"""The engine's verbs that move a case: out of the store and into another (export, import), and onto another
version of its process (check, migrate). A mixin of `Engine`; a migration is checked first and recorded as
an event, and its deadline trail is rebuilt for the new version."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from ..canonical import check_data
from ..chain import seal
from ..errors import CaseNotFound, Refusal
from ..fold import apply
from ..records import Actor, Case, Event
from . import matching, transfer
from .due import settled
from .parts import EngineParts


class MovingOps(EngineParts):
    def export_case(self, case: Case | str) -> dict[str, Any]:
        """Everything needed to rebuild the case in another store, as JSON-ready data."""
        current, _ = self._case(case)
        return transfer.export_case(self.store, current)

    def import_case(self, data: Any) -> Case:
        """Rebuild an exported case here; its definition versions and shared documents come along."""
        check_data(data)
        definitions, shared, case = transfer.read_export(data)
        if self._exists(case.id):
            raise Refusal(f"case {case.id} already exists in this store; nothing was imported")
        for definition in definitions:
            self.register(definition)
        known = {(v.document, v.hash) for versions in self.store.shared(case.process_id).values() for v in versions}
        for version in shared:
            if (version.document, version.hash) not in known:
                self.store.publish(case.process_id, version)
        compiled = self._compile(case.definition_hash)
        case, due = settled(compiled, case, case.history, self.clock.now())
        keys = matching.match_keys(compiled.definition, case, case.history)  # old news: no messages; its keys
        self.store.commit(case, case.history, due, keys=keys)
        return case

    def _exists(self, case_id: str) -> bool:
        try:
            self.store.get(case_id)
        except CaseNotFound:
            return False
        return True

    def check_migration(self, case: Case | str, target_hash: str) -> transfer.MigrationCheck:
        current, compiled = self._case(case)
        return transfer.check_migration(current, compiled.definition, self._compile(target_hash).definition)

    def migrate(self, case: Case | str, target_hash: str, actor: Actor, *, force: bool = False) -> Case:
        """Move the case to another version of its process, after a check; refused unless safe or forced."""
        return self._one_step(case, lambda: self._migrated(case, target_hash, actor, force))

    def _migrated(self, case: Case | str, target_hash: str, actor: Actor, force: bool) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        target = self._compile(target_hash)
        if target.definition.id != current.process_id:
            raise Refusal(f"{target_hash[:12]} is a version of {target.definition.id!r}, not of {current.process_id!r}")
        report = transfer.check_migration(current, compiled.definition, target.definition)
        if report.problems and not force:
            raise transfer.MigrationRefused(report)
        now = self.clock.now()
        acting = self.acting(actor, current.process_id, sorted(compiled.definition.roles), f"migrate {current.id}", now)
        event = seal(
            Event(
                current.id,
                current.version + 1,
                "migrated",
                now,
                acting.person,
                acting.role,
                target.definition.content_hash,
                data=MappingProxyType(
                    {
                        "from": current.definition_hash,
                        "to": target.definition.content_hash,
                        "forced": force,
                        "problems": list(report.problems),
                    }
                    | transfer.regions_after(current, target.definition)
                ),
                basis=acting.basis,
            ),
            current,
        )
        updated = apply(current, event)
        return self._commit(target, updated, [event], event.at), [event]
