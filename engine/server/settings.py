"""How a server is set up: limits, windows and the optional single-sign-on header, in one frozen record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class ServerSettings:
    """Every knob of the HTTP face; the defaults are what `procflow serve` runs with."""

    max_body: int = 1 << 20  # a JSON request body, in bytes
    max_upload: int = 25 << 20  # an attachment upload, before the document field's own limit
    head_timeout: float = 10.0  # seconds a client may take to send its request line and headers (slowloris)
    body_timeout: float = 15.0  # seconds a client may take between two chunks of its body
    max_json_depth: int = 32  # nesting of a JSON body
    max_number_digits: int = 40  # digits of a JSON number (huge numbers are an attack, never data)
    login_limit: int = 20  # wrong passwords per account, and per address, within the window
    login_window: timedelta = timedelta(minutes=15)
    session_lifetime: timedelta = timedelta(hours=12)
    webhook_window: timedelta = timedelta(minutes=5)  # how old (or early) a signed webhook may be
    rotation_grace: timedelta = timedelta(hours=24)  # an integration's previous secret still verifies this long
    page_size: int = 50
    max_page_size: int = 500
    proxy_header: str | None = None  # e.g. "X-Forwarded-User": trusted only from `trusted_proxies`; off by default
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    attachments: str = "store:"  # where uploaded files live: store: (the procflow store) or file:///a/folder
    secure_cookies: bool = True  # the session cookie is `Secure` (set False only for plain-HTTP development)
