"""Outside systems' secrets and signatures: adding and rotating an integration, and checking that a webhook is
genuine (HMAC-SHA256 over the timestamp and the body, within a time window, by the current or — for a grace
period after a rotation — the previous secret).

A webhook is signed the way Stripe and Slack sign theirs:

    Procflow-Timestamp: 1767225600
    Procflow-Delivery: erp-2026-000123
    Procflow-Signature: v1=hex(HMAC_SHA256(secret, "1767225600." + body))

The secret is kept as it is (an HMAC needs it); show it once when made, like a token.

An integration acts like anyone: as a person of the team directory, `integration:<name>`, in the role its
process file gives it (`acts_as`). `add` is the one way it is seated: a directory admin sets it up, which adds
that person and grants it, for each registered process that declares the integration, its `acts_as` role for
that process — recorded in the directory's chain as the admin's change, checked like any other. A process
registered later gets its grant with `procflow team grant integration:<name> ROLE --process P`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..people.admin import Draft, add_person, grant
from ..people_records import Person
from ..store.access import IntegrationRecord
from ..store.base import Store
from .acting import integration_person
from .problems import ApiProblem
from .settings import ServerSettings

if TYPE_CHECKING:
    from ..runtime.engine import Engine

SIGNATURE_HEADER = "procflow-signature"
TIMESTAMP_HEADER = "procflow-timestamp"
DELIVERY_HEADER = "procflow-delivery"


def add(engine: Engine, name: str, by: str) -> tuple[str, list[str]]:
    """Set up integration `name`, as directory admin `by`: seat its directory person with the roles the
    registered processes give it, then make its secret. Returns the secret (to show once) and the grants made
    ("finance for sales"); refused whole if it exists or `by` may not change the directory."""
    store, now = engine.store, engine.clock.now()
    if store.integration(name) is not None:
        raise ApiProblem(409, f"integration {name!r} exists; use 'procflow integration rotate {name}'")
    granted = seat(engine, name, by)
    secret = "whsec_" + secrets.token_urlsafe(32)
    store.save_integration(IntegrationRecord(name, secret, now))
    return secret, granted


def seat(engine: Engine, name: str, by: str) -> list[str]:
    """Add `integration:<name>` to the directory (if new) and grant it each registered process's `acts_as`
    role for that process (if not held yet), as `by`; the grants made, as "ROLE for PROCESS"."""
    person = integration_person(name)
    roster = engine.directory.roster()
    drafts: list[Draft] = []
    if person not in roster.people:
        drafts.append(add_person(Person(person, name)))
    held = {(g.role, g.process) for g in roster.grants_of(person)}
    granted: list[str] = []
    for process_id in sorted({p for _, p, _ in engine.store.definitions()}):
        declared = engine.definition(process_id).integrations.get(name)
        if declared is not None and (declared.acts_as, process_id) not in held:
            drafts.append(grant(person, declared.acts_as, process_id))
            granted.append(f"{declared.acts_as} for {process_id}")
    engine.team.change(by, drafts, engine.clock.now())
    return granted


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
