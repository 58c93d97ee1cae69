"""What can go wrong in notifications: a configuration a person can fix, a delivery that failed."""

from __future__ import annotations

from ..errors import InputError, ProcflowError


class NotifyConfigError(InputError):
    """The notify configuration (channels, contacts, preferences) cannot be used."""


class DeliveryFailed(ProcflowError):
    """A channel could not deliver a message. `permanent`: trying again will not help (bad address, refused)."""

    def __init__(self, channel: str, reason: str, *, permanent: bool = False) -> None:
        self.channel, self.reason, self.permanent = channel, reason, permanent
        super().__init__(f"{channel}: {reason}")
