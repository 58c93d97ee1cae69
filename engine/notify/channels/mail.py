"""Mail over SMTP: STARTTLS (or implicit TLS), optional login, a multipart text + HTML message.

The Message-ID is made from the idempotency key, so a message sent twice after a crash is the same message to
every mail client and log (`X-Procflow-Key` carries the key itself).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from ...rendering import markdown_page
from ..errors import DeliveryFailed, NotifyConfigError
from ..recipients import Recipient
from .base import Envelope, register_channel, secret

SECURITY = ("starttls", "tls", "none")


class SMTPChannel:
    def __init__(self, name: str, settings: Mapping[str, Any]) -> None:
        self.name = name
        self.host = str(settings.get("host", "localhost"))
        self.security = str(settings.get("security", "starttls"))
        if self.security not in SECURITY:
            raise NotifyConfigError(f"channel {name!r}: security must be one of {', '.join(SECURITY)}")
        self.port = int(settings.get("port", 465 if self.security == "tls" else 587))
        self.username = settings.get("username")
        self.password = secret(name, settings, "password")
        self.sender = str(settings.get("sender", "procflow <procflow@localhost>"))
        self.timeout = float(settings.get("timeout", 20))
        self.cafile = settings.get("cafile")

    def address(self, person: Recipient) -> str | None:
        return person.email

    def message(self, envelope: Envelope) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = formataddr((envelope.name, envelope.to))
        mail["Subject"] = envelope.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{envelope.key}@procflow>"
        mail["X-Procflow-Key"] = envelope.key
        mail.set_content(envelope.body)
        mail.add_alternative(markdown_page(envelope.body, envelope.subject, envelope.locale), subtype="html")
        mail["Content-Language"] = envelope.locale  # after the parts: making them moves Content-* headers down
        return mail

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            client.starttls(context=self._context())
        return client

    def send(self, envelope: Envelope) -> None:
        try:
            with self._connect() as client:
                if self.username:
                    client.login(str(self.username), self.password or "")
                client.send_message(self.message(envelope))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError) as exc:
            raise DeliveryFailed(self.name, f"refused: {exc}", permanent=_permanent(exc)) from None
        except smtplib.SMTPResponseException as exc:
            said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            reason = f"{exc.smtp_code} {said}"
            raise DeliveryFailed(self.name, reason, permanent=exc.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused connection, timeout, TLS failure, hang-up
            raise DeliveryFailed(self.name, f"cannot reach {self.host}:{self.port}: {exc}") from None


def _permanent(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", 0) >= 500


register_channel("smtp", SMTPChannel)
