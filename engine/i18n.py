"""One language and one time zone throughout: which language a run speaks, its message catalog, and how
instants, dates, numbers and money are written for it.

The catalogs are gettext files under `engine/locale/<lang>/LC_MESSAGES/`: the `.po` a maintainer edits and the
`.mo` compiled from it by the same maintainer step (`python -m tests.catalogs`), both committed and shipped, so
no user ever compiles anything. The run reads the `.mo` with the standard library's `gettext` (a few
milliseconds; parsing the `.po` with Babel would add ~90 ms to every command's start). The English msgid is the
key and the fallback: a string missing from a catalog prints in English; `tests/test_i18n.py` fails when a string
Babel's extractor finds in `engine/` has no translation, or when a `.mo` is older than its `.po`.

Code marks its words by calling `_` on a `Translator` (`words = translator(lang)`, then
`words._("Funnel")`, or with named fields: `words._("{n} cases", n=3)`); templates get the same `_` as a global.
Both are what Babel's extractor looks for.

A face that keeps its own keys (the web pages' `labels.py`) moves onto the catalogs by mapping each key to its
English msgid and asking `translator(lang)._(msgid)`; `negotiate` reads an Accept-Language header as it reads
`$LANGUAGE`.
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
_CATALOG_DIRS = {"en": "en", "zh-CN": "zh_CN"}
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def negotiate(tags: Iterable[str]) -> str | None:
    """The first language we speak among `tags` ('zh_CN.UTF-8', 'zh-Hans', 'en-GB;q=0.8', 'C'), or None."""
    for raw in tags:
        tag = raw.split(";")[0].split(".")[0].split("@")[0].strip().replace("_", "-").lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return None


def choose(
    asked: str | None = None, process_locale: str | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """The language of a run: `--lang` if given (it must be one we speak), else the process's `locale`, else the
    environment (`LANGUAGE`, a colon-separated list, then `LC_ALL`, `LC_MESSAGES`, `LANG`), else English."""
    if asked:
        found = negotiate([asked])
        if found is None:
            raise UsageError(f"--lang {asked!r}: procflow speaks {', '.join(LANGUAGES)}")
        return found
    if process_locale and (found := negotiate([process_locale])):
        return found
    env = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        if env.get(name) and (found := negotiate(env[name].split(":"))):
            return found
    return DEFAULT


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of one language (untranslated entries fall back to the msgid)."""
    folder = resources.files("procflow").joinpath("locale", _CATALOG_DIRS[lang], "LC_MESSAGES")
    with folder.joinpath("procflow.mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


@dataclass(frozen=True)
class Translator:
    """The words of one language. `_` is the only way code asks for a label, so the extractor finds them all."""

    lang: str

    def _(self, message: str, **fields: Any) -> str:
        text = _catalog(self.lang).gettext(message) if self.lang != DEFAULT else message
        return text.format(**fields) if fields else text

    def title(self, text: Any) -> str:
        """A definition's `Text` (a title in several locales) in this language."""
        return str(text.get(self.lang))

    def named(self, ident: str, text: Any) -> str:
        """An id shown with its title: `商机 (opportunity)`; the bare id when it has no title."""
        title = self.title(text) if text is not None else ""
        return f"{title} ({ident})" if title and title != ident else ident

    # --- formatting for the locale (Babel's CLDR data) ---------------------------------------------------------

    @property
    def babel_locale(self) -> str:
        return self.lang.replace("-", "_")

    def number(self, value: float | int | Decimal) -> str:
        from babel.numbers import format_decimal

        return str(format_decimal(value, locale=self.babel_locale))

    def percent(self, ratio: float) -> str:
        """0.125 → '12.5%' (one decimal at most)."""
        from babel.numbers import format_percent

        return str(format_percent(ratio, "#,##0.#%", locale=self.babel_locale))

    def money(self, value: float | int | Decimal | str, currency: str = "CNY") -> str:
        """722000 → '¥722,000.00' in zh-CN, 'CN¥722,000.00' in en."""
        from babel.numbers import format_currency

        return str(format_currency(Decimal(str(value)), currency, locale=self.babel_locale))

    def date(self, value: date | datetime | str, zone: tzinfo | None = None) -> str:
        """A calendar date in the locale's medium form ('2026年12月12日', 'Dec 12, 2026'); an instant's date is
        taken in `zone`."""
        from babel.dates import format_date

        day = parse_date_or_instant(value) if isinstance(value, str) else value
        if isinstance(day, datetime):
            day = day.astimezone(zone or UTC).date() if day.tzinfo else day.date()
        return str(format_date(day, "medium", locale=self.babel_locale))


def columns(text: str) -> int:
    """How many terminal columns `text` takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns, for tables that line up in any language."""
    return text + " " * max(0, width - columns(text))


def translator(lang: str | None = None) -> Translator:
    """The words of `lang` ('zh-CN', 'zh', 'en-GB', …); English for anything we do not speak."""
    return Translator(negotiate([lang]) or DEFAULT if lang else DEFAULT)


def length_words(amount: int, unit: str, lang: str | None = None) -> str:
    """A process's length of time in words — '1 working day', '4 小时' — from its amount and unit (hours, days,
    weeks, working_days): the handbook, the terminal and people's messages all say it so."""
    words = translator(lang)
    if unit == "hours":
        return words._("{n} hour", n=amount) if amount == 1 else words._("{n} hours", n=amount)
    if unit == "days":
        return words._("{n} day", n=amount) if amount == 1 else words._("{n} days", n=amount)
    if unit == "weeks":
        return words._("{n} week", n=amount) if amount == 1 else words._("{n} weeks", n=amount)
    return words._("{n} working day", n=amount) if amount == 1 else words._("{n} working days", n=amount)


# --- one time zone ------------------------------------------------------------------------------------------------


def zone_named(name: str | None) -> tzinfo:
    """The zone an IANA name names; UTC for none. An unknown name is a usage error that says so."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r}; write an IANA name such as Asia/Shanghai") from None


def instant(at: datetime | None, zone: tzinfo) -> str:
    """An instant as people read it, in `zone` and labelled with its offset: '2026-12-12 07:00 +08:00'."""
    if at is None:
        return ""
    local = at.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def iso(at: datetime | None, zone: tzinfo) -> str | None:
    """An instant for machines (JSON), in `zone`, to the minute: '2026-12-12T07:00+08:00'."""
    return at.astimezone(zone).isoformat(timespec="minutes") if at else None


def parse_date_or_instant(text: str) -> date | datetime:
    """'2026-12-12' → a date; anything longer → a datetime (naive when it has no offset)."""
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def read_instant(value: datetime | date, zone: tzinfo) -> datetime:
    """What a user typed, read in `zone`: a date is its midnight there, a time without an offset is that wall-clock
    time there, a time with an offset is kept as it is."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)
