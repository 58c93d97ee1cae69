"""A person's own settings: the language and time zone they read in, and how they want to be told.

The team directory says who a person is (kept by its admins, as a hash chain); these are the choices a person
makes for themselves on the settings page, so they live beside the directory in the store
(`Store.person_settings`) and overlay it: `effective` is the directory's person with their own language and
time zone, which the inbox, every web page and the notify worker read. Each key is optional — one never chosen
leaves the directory's (or the notify configuration's) value in force.

The notification choices are kept in the notify configuration's own words (`channels` per message kind, a
`digest` hour per kind, `quiet_hours` as "22:00-07:00"), so `procflow.notify` reads both the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import SettingsInvalid
from ..people_records import Person
from ..store.base import Store

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

LOCALES = ("zh-CN", "en")
MESSAGE_KINDS = ("reminder", "escalation", "assignment")  # the kinds the notify configuration knows
_CLOCK = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "locale": {"enum": list(LOCALES)},
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
        "channels": {
            "type": "object",
            "propertyNames": {"enum": [*MESSAGE_KINDS, "*"]},
            "additionalProperties": {
                "type": "array",
                "maxItems": 8,
                "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]{0,31}$"},
            },
        },
        "digest": {
            "type": "object",
            "propertyNames": {"enum": list(MESSAGE_KINDS)},
            "additionalProperties": {"type": "string", "pattern": _CLOCK},
        },
        "quiet_hours": {"type": "string", "pattern": _CLOCK[:-1] + "-" + _CLOCK[1:]},
    },
}


@cache
def _validator() -> Draft202012Validator:
    """Built on first use: reading a person's settings (every inbox) needs no schema validator, only saving does."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(dict(SCHEMA))


def check(data: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as they will be kept (an empty value: not chosen), or `SettingsInvalid` naming every key that
    is wrong."""
    data = {key: value for key, value in data.items() if value not in (None, "", {})}
    problems: dict[str, str] = {}
    for error in _validator().iter_errors(data):
        key = str(error.absolute_path[0]) if error.absolute_path else "settings"
        problems.setdefault(key, error.message)
    zone = data.get("timezone")
    if isinstance(zone, str) and "timezone" not in problems:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems["timezone"] = f"{zone!r} is not a time zone (for example Asia/Shanghai or Europe/Berlin)"
    if problems:
        raise SettingsInvalid(problems)
    return data


def load(store: Store, person: str) -> dict[str, Any]:
    """What the person chose (an empty dict if they never saved their settings)."""
    return dict(store.person_settings(person) or {})


def load_many(store: Store, people: Sequence[str]) -> dict[str, dict[str, Any]]:
    """What each of `people` chose (an empty dict for whoever never saved settings), in one read."""
    found = store.people_settings(people)
    return {person: dict(found.get(person) or {}) for person in people}


def save(store: Store, person: str, data: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """Check and keep the person's settings, all of them at once (nothing kept when any is wrong)."""
    kept = check(data)
    store.save_person_settings(person, kept, at)
    return kept


def effective(person: Person, chosen: Mapping[str, Any]) -> Person:
    """The directory's person with their own language and time zone, where they chose one."""
    locale = chosen.get("locale") or person.locale
    timezone = chosen.get("timezone") or person.timezone
    if locale == person.locale and timezone == person.timezone:
        return person
    return replace(person, locale=str(locale), timezone=str(timezone))
