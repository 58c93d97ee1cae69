"""How the engine makes a document version: the spec it names, the data checked against its schema, the
sealed event that stores it, and a computed document recomputed from its inputs. A mixin of `Engine`."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal

from ..canonical import check_data, frozen_copy
from ..chain import seal
from ..errors import DocumentInvalid, UnknownName
from ..people.roles import Acting
from ..records import SYSTEM, SYSTEM_ROLE, Case, Event
from . import policy
from .compiled import CompiledProcess
from .computed import compute

_SYSTEM = Acting(SYSTEM, SYSTEM_ROLE, "")


class DocumentOps:
    def _spec(self, compiled: CompiledProcess, document: str) -> Any:
        if document not in compiled.definition.documents:
            raise UnknownName("document", document, sorted(compiled.definition.documents))
        return compiled.definition.documents[document]

    def _validated(self, compiled: CompiledProcess, document: str, data: Any) -> tuple[dict[str, Any], str]:
        """A private, JSON-safe copy of valid `data` and its hash; `DocumentInvalid` listing every error.

        `InputError` (as from a data file) if `data` is not JSON data within the limits, before the schema sees it.
        """
        from ..documents import field_errors  # here: a command that only reads a case imports no schema validator

        check_data(data)
        errors = field_errors(compiled.validators[document], data)
        if errors:
            raise DocumentInvalid(document, errors)
        return frozen_copy(data)

    def _document_event(
        self,
        case: Case,
        document: str,
        data: dict[str, Any],
        digest: str,
        acting: Acting,
        at: datetime,
        kind: Literal["submitted", "computed"] = "submitted",
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
        plain, digest = frozen_copy(result)
        latest = case.latest(target)
        if latest is not None and latest.hash == digest:
            return None  # unchanged: no new version
        return self._document_event(case, target, plain, digest, _SYSTEM, at, "computed")
