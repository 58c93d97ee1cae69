"""An outbox row as the faces show it — `procflow outbox list --json` and `GET /api/outbox` — in one shape."""

from __future__ import annotations

from typing import Any

from ..errors import RenderError, StoreError
from ..store.outbox import OutboxRow
from .wording import Wording


def row_view(row: OutboxRow, wording: Wording) -> dict[str, Any]:
    """The row's delivery state and its subject (worded now; a row that cannot be worded says why instead)."""
    m = row.message
    try:
        subject = wording.words(m)[0]
    except (RenderError, StoreError) as exc:
        subject = f"(cannot be worded: {exc.message})"
    return {
        "key": row.key,
        "case": m.case_id,
        "event": m.seq,
        "person": m.person,
        "channel": m.channel,
        "kind": m.kind,
        "urgent": m.urgent,
        "digest": m.digest,
        "status": row.status,
        "attempts": row.attempts,
        "next_at": row.next_at.isoformat(),
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "last_error": row.last_error,
        "to": m.payload.get("to"),
        "subject": subject,
    }
