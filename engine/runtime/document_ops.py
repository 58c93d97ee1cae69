"""How the engine makes a document version: submit one to a case, publish a shared one, validate data
without writing; and beneath them the spec a name points to, the data checked against its schema, the sealed
event that stores it, and a computed document recomputed from its inputs. A mixin of `Engine`."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from ..canonical import check_data, frozen
from ..chain import seal
from ..errors import CaseClosed, DocumentInvalid, Refusal, UnknownName
from ..fold import apply
from ..people.roles import Acting
from ..records import SYSTEM, SYSTEM_ROLE, Actor, Case, DocumentVersion, Event
from . import policy
from .compiled import CompiledProcess
from .computed import compute
from .parts import EngineParts
from .timekeeping import lead_time_events

_SYSTEM = Acting(SYSTEM, SYSTEM_ROLE, "")


class DocumentOps(EngineParts):
    def submit(self, case: Case | str, document: str, data: Any, actor: Actor) -> Case:
        """Validate and store a new version of a document; recompute documents that depend on it.

        All or nothing: if the data, or a computation it triggers, is invalid, nothing is stored.
        """
        return self._one_step(case, lambda: self._submitted(case, document, data, actor))

    def _submitted(self, case: Case | str, document: str, data: Any, actor: Actor) -> tuple[Case, list[Event]]:
        current, compiled = self._case(case)
        spec = self._spec(compiled, document)
        if spec.shared:
            raise Refusal(f"{document!r} is shared by all cases of {current.process_id!r}; publish it instead")
        if spec.computed is not None:
            raise Refusal(f"{document!r} is computed by the engine from {', '.join(spec.computed.inputs)}")
        now = self.clock.now()  # one instant: the grant is the one valid when the event says it happened
        acting = self.acting(actor, current.process_id, spec.produced_by, f"submit {document!r}", now)
        policy.check_separation(compiled.definition, current, "submit", document, acting.actor)
        if compiled.definition.states[current.state].final:
            raise CaseClosed(current.id, current.state)
        plain, digest, text = self._validated(compiled, document, data)
        breaches = lead_time_events(compiled, current, document, plain, now) if compiled.has_deadlines else []
        events = [self._document_event(current, document, plain, digest, acting, now, text=text)]
        updated = apply(current, events[0])
        for breach in breaches:  # soft lead-time rules: accepted, and the breach is on record
            events.append(
                seal(
                    Event(
                        updated.id,
                        updated.version + 1,
                        "breach",
                        now,
                        acting.person,
                        acting.role,
                        updated.definition_hash,
                        document=document,
                        data=MappingProxyType(breach),
                        basis=acting.basis,
                    ),
                    updated,
                )
            )
            updated = apply(updated, events[-1])
        dependents = compiled.dependents.get(document, ())
        shared = self.store.shared(current.process_id) if dependents and compiled.has_shared else {}
        for target in dependents:
            event = self._recompute(compiled, updated, target, shared, now)
            if event is not None:
                events.append(event)
                updated = apply(updated, event)
        updated = self._then(updated, events, self._returned(updated, acting.person, now))
        return self._commit(compiled, updated, events, now), events

    def publish(self, process_id: str, document: str, data: Any, actor: Actor) -> DocumentVersion:
        """Store a new version of a shared document (seen by every case of the process); open cases whose
        computed documents waited for it get them now (`procflow.runtime.catch_up`)."""
        compiled = self._compile(self._latest(process_id))
        spec = self._spec(compiled, document)
        if not spec.shared:
            raise Refusal(f"{document!r} belongs to each case; submit it to a case instead")
        now = self.clock.now()
        acting = self.acting(actor, process_id, spec.produced_by, f"publish {document!r}", now)
        plain, digest, _ = self._validated(compiled, document, data)
        previous = self.store.shared(process_id).get(document, ())
        version = DocumentVersion(
            document,
            len(previous) + 1,
            MappingProxyType(plain),
            digest,
            acting.person,
            acting.role,
            now,
            0,
        )
        self.store.publish(process_id, version)
        self._complete_waiting(process_id, document, version.at)
        return version

    def validate(self, process_id: str, document: str, data: Any) -> None:
        """Raise `DocumentInvalid` (every error) if `data` is not a valid `document` of the process's newest
        version; writes nothing. For callers that must check before a step they cannot undo (start + submit)."""
        compiled = self._compile(self._latest(process_id))
        self._spec(compiled, document)
        self._validated(compiled, document, data)

    def _spec(self, compiled: CompiledProcess, document: str) -> Any:
        if document not in compiled.definition.documents:
            raise UnknownName("document", document, sorted(compiled.definition.documents))
        return compiled.definition.documents[document]

    def _validated(self, compiled: CompiledProcess, document: str, data: Any) -> tuple[dict[str, Any], str, str | None]:
        """A private, JSON-safe copy of valid `data`, its hash and its spelling (`canonical.frozen`);
        `DocumentInvalid` listing every error.

        `InputError` (as from a data file) if `data` is not JSON data within the limits, before the schema sees it.
        """
        from ..documents import field_errors  # here: a command that only reads a case imports no schema validator

        alike = check_data(data)
        errors = field_errors(compiled.validators[document], data)
        if errors:
            raise DocumentInvalid(document, errors)
        return frozen(data, alike)

    def _document_event(
        self,
        case: Case,
        document: str,
        data: dict[str, Any],
        digest: str,
        acting: Acting,
        at: datetime,
        kind: Literal["submitted", "computed"] = "submitted",
        text: str | None = None,
    ) -> Event:
        latest = case.latest(document)
        return seal(
            Event(
                case_id=case.id,
                seq=case.version + 1,
                kind=kind,
                at=at,
                actor=acting.person,
                role=acting.role,
                definition_hash=case.definition_hash,
                document=document,
                document_version=1 if latest is None else latest.version + 1,
                document_hash=digest,
                data=MappingProxyType(data),
                basis=acting.basis or None,
            ),
            case,
            text,
        )

    def _recompute(
        self, compiled: CompiledProcess, case: Case, target: str, shared: policy.Shared, at: datetime
    ) -> Event | None:
        spec = compiled.definition.documents[target]
        assert spec.computed is not None
        view = policy.latest_data(case, shared)
        if any(name not in view for name in spec.computed.inputs):
            return None  # computed once every input is present
        from ..documents import field_errors

        result = compute(compiled.computed[target], view, case.data)
        errors = field_errors(compiled.validators[target], result)
        if errors:
            raise DocumentInvalid(target, errors)
        plain, digest, text = frozen(result)
        latest = case.latest(target)
        if latest is not None and latest.hash == digest:
            return None  # unchanged: no new version
        return self._document_event(case, target, plain, digest, _SYSTEM, at, "computed", text)
