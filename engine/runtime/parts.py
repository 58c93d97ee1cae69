"""What the engine's verb mixins (people, sign-off, documents, time, moving cases, listing) may rely on: the engine's
parts and the few methods of `Engine` they call. One declaration, so each mixin module holds only its verbs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ..clock import Clock
from ..definition.model import ProcessDefinition
from ..people.directory import Directory
from ..people.roles import Acting
from ..records import Actor, Case, Event
from ..store.base import Store
from .compiled import CompiledProcess
from .hooks import Hooks
from .timekeeping import Timekeeper


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

    def _one_step(self, case: Case | str, take: Callable[[], tuple[Case, list[Event]]]) -> Case:
        raise NotImplementedError

    def _definition(self, content_hash: str) -> ProcessDefinition:
        raise NotImplementedError

    def _latest(self, process_id: str) -> str:
        raise NotImplementedError

    @staticmethod
    def _then(case: Case, events: list[Event], event: Event | None) -> Case:
        raise NotImplementedError

    def _returned(self, case: Case, actor: str, at: datetime) -> Event | None:
        raise NotImplementedError

    def _complete_waiting(self, process_id: str, document: str, at: datetime) -> list[str]:
        raise NotImplementedError

    def _commit(self, compiled: CompiledProcess, case: Case, events: Sequence[Event], now: datetime) -> Case:
        raise NotImplementedError

    def register(self, definition: ProcessDefinition) -> ProcessDefinition:
        raise NotImplementedError

    def definition(self, process_id: str, content_hash: str | None = None) -> ProcessDefinition:
        raise NotImplementedError

    def sees(self, person: str, case: Case) -> bool:
        raise NotImplementedError

    def acting(
        self, actor: Actor, process_id: str, allowed: Sequence[str], action: str, at: datetime | None = None
    ) -> Acting:
        raise NotImplementedError
