"""The settings page: a person's own language, time zone and notification choices (engine/people/settings.py).

What is saved is read by every page (`common._reader`), by the inbox and by the notify worker
(`DirectoryRecipients` with the store): one record, one meaning. A refused save shows the form again with
each problem at its field and what was typed kept; nothing is kept until every field is right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from ...errors import SettingsInvalid
from ...people import settings
from ...people.settings import LOCALES, MESSAGE_KINDS
from .common import PREFIX, Web, redirect

NONE = "none"  # the channel choice "do not tell me": an empty channel list
HOURS = tuple(f"{hour:02d}:00" for hour in range(24))


def _channels(web: Web) -> list[str]:
    """The channels a person can pick: mail, and the chat services the directory has a handle of theirs for."""
    person = web.engine.directory.roster().people.get(web.person)
    return ["mail", *sorted(person.chat)] if person is not None else ["mail"]


def _fields(chosen: Mapping[str, Any]) -> dict[str, str]:
    """The form's field values for saved settings."""
    values = {"locale": str(chosen.get("locale", "")), "timezone": str(chosen.get("timezone", ""))}
    for kind in MESSAGE_KINDS:
        names = chosen.get("channels", {}).get(kind)
        values[f"channel.{kind}"] = "" if names is None else (names[0] if names else NONE)
        values[f"digest.{kind}"] = str(chosen.get("digest", {}).get(kind, ""))
    quiet = str(chosen.get("quiet_hours", ""))
    values["quiet_from"], _, values["quiet_to"] = quiet.partition("-")
    return values


def _data(form: Mapping[str, str]) -> dict[str, Any]:
    """Settings data from the submitted form (empty fields: not chosen)."""
    channels: dict[str, list[str]] = {}
    digest: dict[str, str] = {}
    for kind in MESSAGE_KINDS:
        picked = form.get(f"channel.{kind}", "")
        if picked:
            channels[kind] = [] if picked == NONE else [picked]
        if form.get(f"digest.{kind}"):
            digest[kind] = form[f"digest.{kind}"]
    start, end = form.get("quiet_from", "").strip(), form.get("quiet_to", "").strip()
    data: dict[str, Any] = {
        "locale": form.get("locale", ""),
        "timezone": form.get("timezone", "").strip(),
        "channels": channels,
        "digest": digest,
        "quiet_hours": f"{start}-{end}" if start or end else "",
    }
    return data


def form(web: Web, values: Mapping[str, str] | None = None, problems: Mapping[str, str] | None = None) -> Response:
    saved = web.request.query_params.get("saved") == "1"
    shown = _fields(settings.load(web.engine.store, web.person)) if values is None else {**_fields({}), **values}
    return web.page(
        "settings.html",
        422 if problems else 200,
        values=shown,
        problems=problems or {},
        locales=LOCALES,
        kinds=MESSAGE_KINDS,
        channels=_channels(web),
        hours=HOURS,
        zone=str(web.zone),
        saved=saved and not problems,
    )


def save(web: Web) -> Response:
    try:
        settings.save(web.engine.store, web.person, _data(web.form), web.engine.clock.now())
    except SettingsInvalid as refused:
        return form(web, dict(web.form), refused.problems)
    return redirect(f"{PREFIX}/settings?saved=1")
