"""Channels: how a message travels (mail, webhooks, chat robots), each behind the `Channel` Protocol."""

from . import mail, webhooks  # noqa: F401  (they register their types)
from .base import Channel, Envelope, channel_types, make_channel, register_channel

__all__ = ["Channel", "Envelope", "channel_types", "make_channel", "register_channel"]
