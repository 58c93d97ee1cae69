"""What the engine's verb mixins (people, sign-off, documents, time, moving cases) may rely on: the engine's
parts and the few methods of `Engine` they call. One declaration, so each mixin module holds only its verbs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine.clock import Clock
from engine.definition.model import ProcessDefinition
from engine.people.directory import Directory
from engine.people.roles import Acting
from engine.records import Actor, Case, Event
from engine.runtime.compiled import CompiledProcess
from engine.runtime.hooks import Hooks
from engine.runtime.timekeeping import Timekeeper
from engine.store.base import Store


class EngineParts:
    store: Store
    directory: Directory
    clock: Clock
    hooks: Hooks
    _time: Timekeeper

    def _case(self, case: Case | str) -> tuple[Case, CompiledProcess]:
        raise NotImplementedError

    def _compile(self, content_hash: str) -> CompiledProcess:
        raise NotImplementedError

    def _definition(self, content_hash: str) -> ProcessDefinition:
        raise NotImplementedError

    def _commit(self, compiled: CompiledProcess, case: Case, events: Sequence[Event], now: datetime) -> Case:
        raise NotImplementedError

    def register(self, definition: ProcessDefinition) -> ProcessDefinition:
        raise NotImplementedError

    def definition(self, process_id: str, content_hash: str | None = None) -> ProcessDefinition:
        raise NotImplementedError

    def acting(
        self, actor: Actor, process_id: str, allowed: Sequence[str], action: str, at: datetime | None = None
    ) -> Acting:
        raise NotImplementedError
