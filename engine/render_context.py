"""What a document template sees, and the footer under every rendered document.

Templates are written against four names: `doc` (the document version's data), `case` (id, state, its
titles, the case's start data), `process` (id, title, version) and `document` (id, title, version, when and
by whom submitted). This module builds them from the records and the definition, so the runtime's `render`,
a server's preview and the template checks agree on one shape.
"""

from __future__ import annotations

from typing import Any

from .definition.model import ProcessDefinition
from .records import Case, DocumentVersion


def render_context(
    definition: ProcessDefinition, case: Case, document: str, chosen: DocumentVersion, lang: str | None = None
) -> dict[str, Any]:
    """The variables of `document`'s template for version `chosen`, titles in `lang` (default: the process's)."""
    state = definition.states[case.state]
    return {
        "doc": chosen.data,
        "case": {
            "id": case.id,
            "state": case.state,
            "state_title": state.title.get(lang),
            "stage_title": definition.stage_of(case.state).title.get(lang),
            "data": case.data,
        },
        "process": {"id": definition.id, "title": definition.title.get(lang), "version": definition.version},
        "document": {
            "id": document,
            "title": definition.documents[document].title.get(lang),
            "version": chosen.version,
            "submitted_at": chosen.at.isoformat(timespec="minutes"),
            "submitted_by": chosen.actor,
        },
    }


def render_footer(definition: ProcessDefinition, case: Case, document: str, chosen: DocumentVersion) -> str:
    """The line that ties a rendered document to its case, process version and document version, by hash."""
    return (
        f"{case.id} · {definition.id} {definition.version} ({definition.content_hash[:12]}) · "
        f"{document} v{chosen.version} ({chosen.hash[:12]})"
    )
