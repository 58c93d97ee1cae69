"""The small values a definition is written with, each parsed from its one spelling in the YAML.

Localised text, durations (`3 working days`), field references (`documents.contract.signed_on`), deadline
anchors (`event:sign`) and steps (`submit:contract`, `fire:sign`, `approve:review`): frozen like the model
(engine/definition/model.py) that is built from them, and printed back the way the file writes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Text:
    """Text in one or more locales; `str(text)` is the default locale's."""

    values: tuple[tuple[str, str], ...]
    default: str

    def get(self, lang: str | None = None) -> str:
        table = dict(self.values)
        for candidate in (lang, lang.split("-")[0] if lang else None, self.default):
            if candidate and candidate in table:
                return table[candidate]
        if lang:  # a language prefix match: 'zh' for 'zh-CN'
            for key, value in self.values:
                if key.split("-")[0] == lang.split("-")[0]:
                    return value
        return self.values[0][1] if self.values else ""

    def __str__(self) -> str:
        return self.get()


NO_TEXT = Text((), "")

DurationUnit = Literal["hours", "days", "working_days", "weeks"]
_DURATION = re.compile(r"([1-9][0-9]{0,3}) ?(h|d|wd|w|hours?|days?|working days?|weeks?)")
_UNITS: dict[str, DurationUnit] = {
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "wd": "working_days",
    "working day": "working_days",
    "working days": "working_days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: DurationUnit

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.fullmatch(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a duration; write e.g. 24h, 3 days, 1 working day or 2w")
        return cls(int(match.group(1)), _UNITS[match.group(2)])

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"


@dataclass(frozen=True)
class FieldRef:
    """`documents.<document>.<field>` in an anchor or lead-time rule."""

    document: str
    field: str

    def __str__(self) -> str:
        return f"documents.{self.document}.{self.field}"


@dataclass(frozen=True)
class Anchor:
    kind: Literal["entered", "event", "field"]
    trigger: str = ""
    field: FieldRef | None = None

    @classmethod
    def parse(cls, text: str) -> Anchor:
        if text == "entered":
            return cls("entered")
        if text.startswith("event:"):
            return cls("event", trigger=text.removeprefix("event:"))
        _, document, name = text.split(".", 2)
        return cls("field", field=FieldRef(document, name))

    def __str__(self) -> str:
        if self.kind == "event":
            return f"event:{self.trigger}"
        return str(self.field) if self.field else "entered"


VERDICTS = ("approve", "reject")


@dataclass(frozen=True)
class Action:
    """A step: leave the state, submit a document, fire a trigger, or give a verdict (or any sign-off) on a
    state's sign-off round (`approve:<state>`, `reject:<state>`, `sign:<state>`)."""

    kind: Literal["leave", "submit", "fire", "approve", "reject", "sign"]
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> Action:
        if text == "leave":
            return cls("leave")
        kind, name = text.split(":", 1)
        if kind in ("submit", "approve", "reject", "sign"):
            return cls(kind, name)  # type: ignore[arg-type]
        return cls("fire", name)

    def __str__(self) -> str:
        return self.kind if self.kind == "leave" else f"{self.kind}:{self.name}"


ENTERED = Anchor("entered")  # a deadline counts from when its state was entered, unless it says otherwise
LEAVE = Action("leave")  # a deadline is met by leaving its state, unless it says otherwise
