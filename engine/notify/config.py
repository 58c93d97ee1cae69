"""The notify configuration: channels, the contacts the `Contacts` recipients read, delivery settings.

A person entry with a `name` is a contact (`Contacts`). Without one it only says how a person of the team
directory wants to be told (channels, digests, quiet hours): an overlay, keyed by id, for `DirectoryRecipients`,
which is used when no contacts are configured. Every entry's choices are in `NotifyConfig.preferences`.

One YAML (or JSON) file, named by `--notify FILE` or `$PROCFLOW_NOTIFY`; docs/notifications.md shows a full
one. Secrets are never in the file: a channel names the environment variable that holds its password or
signing secret (`password_env`, `secret_env`). The file is checked against `SCHEMA` and every problem is
reported with its place (`people[2].quiet_hours: …`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator

from ..datafiles import read_data
from ..errors import InputError
from .channels import Channel, make_channel
from .delivery import Backoff
from .errors import NotifyConfigError
from .recipients import Contacts, Preferences, Recipient

ENV = "PROCFLOW_NOTIFY"
_CLOCK = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
_KINDS = ["reminder", "escalation", "assignment", "move", "*"]
SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["channels"],
    "properties": {
        "channels": {"type": "object", "additionalProperties": {"type": "object", "required": ["type"]}},
        "default_channels": {"type": "array", "items": {"type": "string"}},
        "delivery": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_attempts": {"type": "integer", "minimum": 1, "maximum": 100},
                "backoff_seconds": {"type": "number", "exclusiveMinimum": 0},
                "backoff_cap_seconds": {"type": "number", "exclusiveMinimum": 0},
                "lease_seconds": {"type": "number", "exclusiveMinimum": 0},
            },
        },
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "minLength": 1},
                    "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
                    "chat": {"type": "object", "additionalProperties": {"type": "string"}},
                    "locale": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
                    "time_zone": {"type": "string"},
                    "roles": {"type": "array", "items": {"type": "string"}},
                    "channels": {
                        "type": "object",
                        "propertyNames": {"enum": _KINDS},
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    "digest": {
                        "type": "object",
                        "propertyNames": {"enum": _KINDS[:-1]},
                        "additionalProperties": {"type": "string", "pattern": _CLOCK},
                    },
                    "quiet_hours": {"type": "string", "pattern": _CLOCK[:-1] + "-" + _CLOCK[1:]},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class NotifyConfig:
    channels: Mapping[str, Channel]
    contacts: Contacts
    preferences: Mapping[str, Preferences]  # person id → their choices, from every people entry
    default_channels: tuple[str, ...]
    backoff: Backoff
    lease: timedelta
    source: str


def config_path(explicit: str | None) -> str | None:
    return explicit or os.environ.get(ENV) or None


def load_config(path: str | Path) -> NotifyConfig:
    """Read and check a notify configuration; every problem in one `NotifyConfigError`."""
    try:
        data = read_data(path)
    except InputError as exc:
        raise NotifyConfigError(f"notify configuration: {exc.message}") from None
    problems = [
        f"{path}: {_where(error.absolute_path)}: {error.message}"
        for error in sorted(Draft202012Validator(dict(SCHEMA)).iter_errors(data), key=lambda e: list(e.path))
    ]
    if problems:
        raise NotifyConfigError("\n".join(problems))
    channels = {name: make_channel(name, settings) for name, settings in data["channels"].items()}
    everyone = [
        (_person(raw, i, str(path)), tuple(raw.get("roles", ()))) for i, raw in enumerate(data.get("people", ()))
    ]
    people = [entry for entry, raw in zip(everyone, data.get("people", ()), strict=True) if "name" in raw]
    unknown = sorted(
        {c for person, _ in everyone for kind in person.preferences.channels.values() for c in kind} - set(channels)
        | set(data.get("default_channels", ())) - set(channels)
    )
    if unknown:
        raise NotifyConfigError(f"{path}: unknown channel(s) {', '.join(unknown)}; configured: {', '.join(channels)}")
    delivery = data.get("delivery", {})
    return NotifyConfig(
        MappingProxyType(channels),
        Contacts(people),
        MappingProxyType({person.id: person.preferences for person, _ in everyone}),
        tuple(data.get("default_channels", ("mail",) if "mail" in channels else tuple(channels)[:1])),
        Backoff(
            timedelta(seconds=delivery.get("backoff_seconds", 30)),
            timedelta(seconds=delivery.get("backoff_cap_seconds", 3600)),
            int(delivery.get("max_attempts", 6)),
        ),
        timedelta(seconds=delivery.get("lease_seconds", 120)),
        str(path),
    )


def _where(path: Any) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or "the file"


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def preferences_from(raw: Mapping[str, Any]) -> Preferences:
    """The choices of a checked people entry (or of a person's own settings, which use the same keys)."""
    quiet = raw.get("quiet_hours")
    start, _, end = quiet.partition("-") if isinstance(quiet, str) else ("", "", "")
    return Preferences(
        MappingProxyType({kind: tuple(names) for kind, names in raw.get("channels", {}).items()}),
        MappingProxyType({kind: _clock(at) for kind, at in raw.get("digest", {}).items()}),
        (_clock(start), _clock(end)) if quiet else None,
    )


def _person(raw: Mapping[str, Any], index: int, path: str) -> Recipient:
    zone = str(raw.get("time_zone", "UTC"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise NotifyConfigError(f"{path}: people[{index}].time_zone: unknown time zone {zone!r}") from None
    preferences = preferences_from(raw)
    return Recipient(
        str(raw["id"]),
        str(raw.get("name") or raw["id"]),
        raw.get("email"),
        MappingProxyType(dict(raw.get("chat", {}))),
        str(raw.get("locale", "en")),
        zone,
        preferences,
    )
