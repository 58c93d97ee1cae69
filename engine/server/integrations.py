"""Outside systems' secrets and signatures: adding and rotating an integration, and checking that a webhook is
genuine (HMAC-SHA256 over the timestamp and the body, within a time window, by the current or — for a grace
period after a rotation — the previous secret).

A webhook is signed the way Stripe and Slack sign theirs:

    Procflow-Timestamp: 1767225600
    Procflow-Delivery: erp-2026-000123
    Procflow-Signature: v1=hex(HMAC_SHA256(secret, "1767225600." + body))

The secret is kept as it is (an HMAC needs it); show it once when made, like a token.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from engine.server.problems import ApiProblem
from engine.server.settings import ServerSettings
from engine.store.access import IntegrationRecord
from engine.store.base import Store

SIGNATURE_HEADER = "procflow-signature"
TIMESTAMP_HEADER = "procflow-timestamp"
DELIVERY_HEADER = "procflow-delivery"


def add(store: Store, name: str, now: datetime) -> str:
    """Set up integration `name` with a new secret (returned, to show once); refused if it exists."""
    if store.integration(name) is not None:
        raise ApiProblem(409, f"integration {name!r} exists; use 'procflow integration rotate {name}'")
    secret = "whsec_" + secrets.token_urlsafe(32)
    store.save_integration(IntegrationRecord(name, secret, now))
    return secret


def rotate(store: Store, name: str, now: datetime) -> str:
    """A new secret for `name`; the old one keeps verifying for the rotation grace period."""
    found = store.integration(name)
    if found is None:
        raise ApiProblem(404, f"no integration {name!r}; use 'procflow integration add {name}'")
    secret = "whsec_" + secrets.token_urlsafe(32)
    store.save_integration(dataclasses.replace(found, secret=secret, previous_secret=found.secret, rotated_at=now))
    return secret


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def _refused(message: str, kind: str) -> ApiProblem:
    return ApiProblem(401, message, kind=kind)


def verify(
    store: Store, name: str, headers: Mapping[str, str], body: bytes, now: datetime, settings: ServerSettings
) -> str:
    """The delivery id of a genuine, fresh webhook from `name`; else a 401 (forged, stale) or 400 problem."""
    record = store.integration(name)
    stamp, signed = headers.get(TIMESTAMP_HEADER, ""), headers.get(SIGNATURE_HEADER, "")
    if record is None or not signed.startswith("v1="):
        raise _refused("the webhook is not signed by a known integration", "webhook-signature")
    if not stamp.isdigit() or len(stamp) > 12:
        raise _refused("Procflow-Timestamp must be the signing time in Unix seconds", "webhook-stale")
    sent = datetime.fromtimestamp(int(stamp), UTC)
    if abs(now - sent) > settings.webhook_window:
        raise _refused(
            f"the webhook was signed at {sent.isoformat()}, outside the {settings.webhook_window} window; "
            "a replayed or delayed delivery is refused",
            "webhook-stale",
        )
    keys = [record.secret]
    if record.previous_secret and record.rotated_at and now - record.rotated_at <= settings.rotation_grace:
        keys.append(record.previous_secret)
    given = signed.removeprefix("v1=")
    if not any(hmac.compare_digest(signature(key, stamp, body), given) for key in keys):
        raise _refused("the webhook's signature does not match its body", "webhook-signature")
    delivery = headers.get(DELIVERY_HEADER, "")
    if not 1 <= len(delivery) <= 200:
        raise ApiProblem(400, "Procflow-Delivery must carry the delivery's id (1 to 200 characters)")
    return delivery
