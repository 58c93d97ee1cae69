"""A team file (YAML or CSV) → directory changes, refused whole if any row is bad, with row and column named.

YAML: `people:` a list of {id, name, email, chat, locale, timezone, reports_to, roles}, where each role is a
name or {role, process, from, to}; `substitutes:` a list of {substitute, absent, from, to}.
CSV: one person a row, columns id,name,email,locale,timezone,reports_to,roles — roles separated by `;`,
each `role`, `role@process` or `role@process@FROM..TO` (either date may be empty).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..datafiles import read_data
from ..errors import InputError, RowProblem, TeamFileInvalid
from ..files import read_bounded
from ..people_records import Roster, person_data, person_from
from .admin import Draft, add_person, grant, substitute

_CSV_COLUMNS = ("id", "name", "email", "locale", "timezone", "reports_to", "roles")


def read_team(path: str | Path) -> dict[str, Any]:
    """The file as the YAML shape (a CSV's rows become `people`)."""
    file = Path(path)
    if file.suffix.lower() != ".csv":
        data = read_data(file)
        if not isinstance(data, dict) or not isinstance(data.get("people", []), list):
            raise InputError(f"{path}: a team file is a mapping with a list of 'people' (and of 'substitutes')")
        return data
    try:
        text = read_bounded(file, what="team file").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read the CSV file: {exc}") from None
    people = []
    for row in rows:
        unknown = sorted(set(row) - set(_CSV_COLUMNS) - {None})
        if unknown:
            raise InputError(f"{path}: unknown column(s) {', '.join(unknown)}; columns are {', '.join(_CSV_COLUMNS)}")
        entry: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "") and k != "roles"}
        entry["roles"] = [_csv_role(part.strip()) for part in (row.get("roles") or "").split(";") if part.strip()]
        people.append(entry)
    return {"people": people}


def _csv_role(text: str) -> Any:
    role, _, rest = text.partition("@")
    process, _, dates = rest.partition("@")
    start, _, end = dates.partition("..")
    if not process and not dates:
        return role
    return {"role": role, "process": process or None, "from": start or None, "to": end or None}


def _day(value: Any, row: int, column: str, problems: list[RowProblem]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        problems.append(RowProblem(row, column, f"{value!r} is not a date like 2026-10-01"))
        return None


def team_drafts(data: dict[str, Any], roster: Roster, roles: Collection[str], name: str) -> list[Draft]:
    """Every change the file asks for, in order; `TeamFileInvalid` naming each bad row and column."""
    problems: list[RowProblem] = []
    drafts: list[Draft] = []
    later: list[Draft] = []
    seen: dict[str, int] = {}
    for row, entry in enumerate(data.get("people") or [], 1):
        if not isinstance(entry, dict) or not str(entry.get("id") or "").strip():
            problems.append(RowProblem(row, "id", "every person needs an id"))
            continue
        pid = str(entry["id"]).strip()
        if pid in seen:
            problems.append(RowProblem(row, "id", f"duplicate id {pid!r} (first on row {seen[pid]})"))
            continue
        seen[pid] = row
        zone = str(entry.get("timezone") or "Asia/Shanghai")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(RowProblem(row, "timezone", f"{zone!r} is not a time zone (for example Asia/Shanghai)"))
            continue
        person = person_from(
            {
                **{k: v for k, v in entry.items() if k in ("name", "email", "chat", "locale")},
                "id": pid,
                "timezone": zone,
            }
        )
        old = roster.people.get(pid)
        if old is None:
            drafts.append(add_person(person))
        elif person_data(old) != person_data(person):
            drafts.append(Draft("person_changed", person_data(person)))
        later.extend(_grants(entry, pid, row, roster, roles, problems))
        if entry.get("reports_to") and roster.managers.get(pid) != str(entry["reports_to"]):
            later.append(Draft("reports_to", {"person": pid, "manager": str(entry["reports_to"])}))
    for row, entry in enumerate(data.get("substitutes") or [], 1):
        if not isinstance(entry, dict) or entry.get("from") in (None, "") or entry.get("to") in (None, ""):
            problems.append(RowProblem(row, "substitutes", "a cover needs substitute, absent, from and to"))
            continue
        start = _day(entry.get("from"), row, "substitutes.from", problems)
        end = _day(entry.get("to"), row, "substitutes.to", problems)
        who, absent = str(entry.get("substitute")), str(entry.get("absent"))
        standing = any(
            (s.substitute, s.absent, s.start, s.end) == (who, absent, start, end) and not s.ended
            for s in roster.substitutes.values()
        )
        if start and end and not standing:
            later.append(substitute(who, absent, start, end))
    if problems:
        raise TeamFileInvalid(name, problems)
    return drafts + later


def _grants(
    entry: dict[str, Any], pid: str, row: int, roster: Roster, roles: Collection[str], problems: list[RowProblem]
) -> list[Draft]:
    found = []
    for item in entry.get("roles") or []:
        spec = item if isinstance(item, dict) else {"role": item}
        role = str(spec.get("role") or "")
        if role not in roles:
            problems.append(RowProblem(row, "roles", f"unknown role {role!r} (known: {', '.join(sorted(roles))})"))
            continue
        start = _day(spec.get("from"), row, "roles", problems)
        end = _day(spec.get("to"), row, "roles", problems)
        if start and end and end < start:
            problems.append(RowProblem(row, "roles", f"the grant of {role} ends ({end}) before it starts ({start})"))
        process = spec.get("process")
        standing = any(
            g.role == role and g.process == process and g.valid_from == start and g.valid_to == end
            for g in roster.grants_of(pid)
        )
        if not standing:
            found.append(grant(pid, role, process, start, end))
    return found
