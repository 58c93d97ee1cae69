"""One language on every web page: rendered by the real server, a zh-CN inbox, case page, board and review page
carry none of the web's English labels, and the en pages no Chinese label outside user data — the check
`tests/test_i18n.py` makes on the reports, with the web's words from the same catalogs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from procflow import Actor, ProcessDefinition
from procflow.people.admin import Draft
from procflow.people.cast import CAST_ADMIN
from procflow.server.web.labels import labels
from tests.server.web.conftest import Site
from tests.server.web.test_browser import LEAD
from tests.server.web.test_pages import _as
from tests.test_i18n import _english_labels, _labels_shown

PAGES = (
    "/app/inbox",
    "/app/cases/deal-1",
    "/app/board",
    "/app/processes/sales/review?from=2026-03-01&to=2026-03-31",
)
WEB_MSGIDS = tuple(text for key, text in labels("en").items() if key != "app")


@pytest.fixture
def worked(site: Site) -> Site:
    """A lead with its record submitted (bea's work now, a grade computed, a deadline running), bea reporting to
    mara, who signs in to see it."""
    site.engine.team.change(CAST_ADMIN, [Draft("reports_to", {"person": "bea", "manager": "mara"})], site.clock.now())
    bea = Actor("bea", "bd_specialist")
    site.engine.submit(site.engine.start("sales", bea, case_id="deal-1"), "lead_record", LEAD, bea)
    return site


def _schema_texts(schema: Any) -> Iterator[str]:
    """The titles and descriptions a process's JSON Schema gives its fields: the process owner's words, in the
    language the owner wrote them (the form shows them as they are)."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key in ("title", "description") and isinstance(value, str):
                yield value
            else:
                yield from _schema_texts(value)
    elif isinstance(schema, (list, tuple)):
        for item in schema:
            yield from _schema_texts(item)


def _shown(site: Site, lang: str, person: str, sales: ProcessDefinition) -> dict[str, str]:
    """Each page's own words in `lang`, without user data: what the fixture typed (the lead, the case id), the
    schemas' field titles and help, and the moves' `trigger → state` ids."""
    typed = [*(v for v in LEAD.values() if isinstance(v, str)), *LEAD["pain_points"], "deal-1"]
    owners = sorted({text for d in sales.documents.values() for text in _schema_texts(d.schema)}, key=len)[::-1]
    client = _as(site, person)
    shown = {}
    for path in PAGES:
        answer = client.get(path, params={"lang": lang})
        assert answer.status_code == 200, (path, answer.text[:300])
        quiet = "review" in path or (path == "/app/inbox" and person != "bea")  # the lead is bea's work
        assert quiet or "deal-1" in answer.text, path  # the page shows the case, and with it its labels
        text = re.sub(r"\b[a-z_]+ → [a-z_]+\b", " ", _labels_shown(answer.text, sales))
        for data in (*typed, *owners):
            text = text.replace(data, " ")
        shown[path] = text
    return shown


@pytest.mark.parametrize("person", ["bea", "mara"])
def test_the_zh_cn_pages_carry_no_english_label_of_the_web(worked: Site, sales: ProcessDefinition, person: str) -> None:
    for path, text in _shown(worked, "zh-CN", person, sales).items():
        assert _english_labels(text, WEB_MSGIDS) == [], path
        assert re.search(r"[\u4e00-\u9fff]", text), path  # and they do speak Chinese
    # the check does see the web's English where it is
    for path, text in _shown(worked, "en", person, sales).items():
        assert _english_labels(text, WEB_MSGIDS), path


@pytest.mark.parametrize("person", ["bea", "mara"])
def test_the_en_pages_carry_no_chinese_label_outside_user_data(
    worked: Site, sales: ProcessDefinition, person: str
) -> None:
    for path, text in _shown(worked, "en", person, sales).items():
        assert re.findall(r"[\u4e00-\u9fff]+", text) == [], path
