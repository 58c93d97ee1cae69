"""The semantic diff for its readers: the stable JSON shape (format 1) and the text or Markdown for people.

Apart from `diff`, which computes the changes, so that the comparison stays one job and its
presentations (the CLI's `--json`/`--format`, the API's JSON) another.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .definition.model import ProcessDefinition
from .diff import Change
from .i18n import Translator, translator

FORMAT_VERSION = 1


def as_json(old: ProcessDefinition, new: ProcessDefinition, changes: list[Change]) -> dict[str, Any]:
    """The stable, documented JSON shape (format 1)."""
    return {
        "format": FORMAT_VERSION,
        "old": {"id": old.id, "version": old.version, "hash": old.content_hash},
        "new": {"id": new.id, "version": new.version, "hash": new.content_hash},
        "equal": not changes,
        "changes": [asdict(c) | {"details": list(c.details)} for c in changes],
    }


def as_text(
    old: ProcessDefinition,
    new: ProcessDefinition,
    changes: list[Change],
    markdown: bool = False,
    lang: str | None = None,
) -> str:
    """The changes for people, grouped by stage, in `lang` (the details as `compare` wrote them)."""
    w = translator(lang)
    head = f"{old.id} {old.version} ({old.content_hash[:12]}) → {new.version} ({new.content_hash[:12]})"
    if not changes:
        return w._("{head}: no semantic change", head=head) + "\n"
    lines = [f"# {head}" if markdown else head]
    groups: dict[str, list[Change]] = {}
    for c in changes:
        groups.setdefault(c.stage or w._("(process)"), []).append(c)
    for stage, items in groups.items():
        lines.append(f"\n## {stage}" if markdown else f"\n[{stage}]")
        for c in items:
            bullet = "- " if markdown else "  "
            lines.append(f"{bullet}{_kind_words(c.kind, w)} {_element_words(c.element, w)} {c.id}: {c.title}")
            lines += [f"{'  - ' if markdown else '      '}{d}" for d in c.details]
    return "\n".join(lines) + "\n"


def _kind_words(kind: str, w: Translator) -> str:
    return {"added": w._("added"), "removed": w._("removed"), "changed": w._("changed"), "renamed": w._("renamed")}[
        kind
    ]


def _element_words(element: str, w: Translator) -> str:
    return {
        "process": w._("process"),
        "calendar": w._("calendar"),
        "role": w._("role"),
        "stage": w._("stage"),
        "state": w._("state"),
        "transition": w._("transition"),
        "document": w._("document"),
        "separation": w._("separation rule"),
        "invariant": w._("invariant"),
    }.get(element, element)
