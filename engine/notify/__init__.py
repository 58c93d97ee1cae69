"""Reaching people: the outbox rules, channels, message words, schedules and the delivery loop.

`Notifier` (rules.py) is the engine's `Outbox`: it turns events into outbox rows, committed with the event.
`Delivery` (delivery.py) is the worker side: it claims rows and sends them through `Channel`s. Who is told
comes through the `Recipients` Protocol (recipients.py): `DirectoryRecipients` (directory.py) reads them from
the team directory, `Contacts` from the notify configuration.
"""

from .channels import Channel, Envelope, channel_types, make_channel, register_channel
from .config import NotifyConfig, load_config
from .delivery import Backoff, Delivery, Outcome
from .directory import DirectoryRecipients
from .recipients import Contacts, Preferences, Recipient, Recipients
from .rules import Notifier

__all__ = [
    "Backoff",
    "Channel",
    "Contacts",
    "Delivery",
    "DirectoryRecipients",
    "Envelope",
    "Notifier",
    "NotifyConfig",
    "Outcome",
    "Preferences",
    "Recipient",
    "Recipients",
    "channel_types",
    "load_config",
    "make_channel",
    "register_channel",
]
