"""The `Channel` Protocol, what it is handed (`Envelope`), and the registry of channel types.

A configured channel has a name (`mail`, `sales-group`) and a type (`smtp`, `dingtalk`, …); the registry builds
one from its settings. Asking for an unknown type lists the known ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ...suggest import did_you_mean
from ..errors import NotifyConfigError
from ..recipients import Recipient


@dataclass(frozen=True)
class Envelope:
    """One delivery: a message (or a digest of several) to one person on one channel."""

    key: str  # the idempotency key (a digest: the key of its first message); receivers may drop repeats
    to: str  # the person's address on this channel (an email, a chat handle, a person id)
    name: str
    subject: str
    body: str  # Markdown
    locale: str = "en"
    keys: tuple[str, ...] = ()  # every message key it carries


class Channel(Protocol):
    name: str

    def address(self, person: Recipient) -> str | None:
        """Where `person` is reached on this channel; None when they cannot be."""
        ...

    def send(self, envelope: Envelope) -> None:
        """Deliver, or raise `DeliveryFailed` (permanent when a retry cannot help)."""
        ...


Factory = Callable[[str, Mapping[str, Any]], Channel]
_TYPES: dict[str, Factory] = {}


def register_channel(kind: str, factory: Factory) -> None:
    """Make `kind` a channel type a notify configuration may name."""
    _TYPES[kind] = factory


def channel_types() -> list[str]:
    return sorted(_TYPES)


def make_channel(name: str, settings: Mapping[str, Any]) -> Channel:
    kind = str(settings.get("type", ""))
    if kind not in _TYPES:
        known = channel_types()
        raise NotifyConfigError(
            f"channel {name!r}: unknown type {kind!r}{did_you_mean(kind, known)}; known types: {', '.join(known)}"
        )
    return _TYPES[kind](name, settings)


def secret(name: str, settings: Mapping[str, Any], key: str) -> str | None:
    """A secret from the environment variable `<key>_env` names (secrets never sit in the file), or `key`."""
    variable = settings.get(f"{key}_env")
    if variable:
        value = os.environ.get(str(variable))
        if value is None:
            raise NotifyConfigError(f"channel {name!r}: the environment variable {variable} ({key}) is not set")
        return value
    plain = settings.get(key)
    return None if plain is None else str(plain)


def handle(person: Recipient, name: str, kind: str) -> str | None:
    """The person's handle on channel `name` (or on any channel of type `kind`)."""
    return person.chat.get(name) or person.chat.get(kind)
