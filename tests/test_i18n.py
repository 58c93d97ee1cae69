"""One language throughout: the catalogs cover the code, the language is chosen as documented, values are
written for the locale, and a zh-CN report carries no English label (nor an en one a Chinese label)."""

from __future__ import annotations

import html as htmllib
import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from procflow import Engine, ProcessDefinition, open_store
from procflow.cli import build_parser, main
from procflow.errors import UsageError
from procflow.i18n import choose, negotiate, translator
from tests.catalogs import catalog_path, compiled, extracted, read
from tests.review_data import PEOPLE, review_store


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


# --- the catalogs against the code ------------------------------------------------------------------------------


def test_every_string_the_code_marks_has_a_chinese_translation() -> None:
    marked = extracted()
    assert len(marked) > 100  # the extractor does find the code's words (Python and templates)
    zh = {m.id: m.string for m in read("zh_CN") if m.id}
    untranslated = sorted(
        f"{msgid!r} ({marked[msgid][0][0]}:{marked[msgid][0][1]})" for msgid in marked if not zh.get(msgid)
    )
    assert untranslated == [], "run 'python -m tests.catalogs' and translate: " + "; ".join(untranslated)
    assert set(zh) <= set(marked), "the zh_CN catalog holds strings the code no longer uses"
    assert {m.id for m in read("en") if m.id} == set(marked)


@pytest.mark.parametrize("folder", ["en", "zh_CN"])
def test_the_compiled_catalog_the_run_reads_matches_its_po(folder: str) -> None:
    assert catalog_path(folder).with_suffix(".mo").read_bytes() == compiled(folder), "run 'python -m tests.catalogs'"


def test_a_translation_keeps_the_fields_of_its_message() -> None:
    fields = re.compile(r"\{(\w+)\}")
    for message in read("zh_CN"):
        if message.id:
            assert set(fields.findall(str(message.string))) == set(fields.findall(str(message.id))), message.id


# --- which language ---------------------------------------------------------------------------------------------


def test_the_language_is_lang_then_the_process_locale_then_the_environment() -> None:
    assert choose("en", "zh-CN", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert choose(None, "zh-CN", {"LANG": "en_US.UTF-8"}) == "zh-CN"
    assert choose(None, None, {"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}) == "zh-CN"
    assert choose(None, None, {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}) == "zh-CN"
    assert choose(None, None, {}) == "en"
    assert negotiate(["zh-Hans", "en"]) == "zh-CN" and negotiate(["en-GB;q=0.8"]) == "en" and negotiate(["C"]) is None
    with pytest.raises(UsageError, match="speaks en, zh-CN"):
        choose("fr")


def test_every_command_takes_lang_and_refuses_a_language_it_does_not_speak(tmp_path: Path) -> None:
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and isinstance(a.choices, dict))
    lacking = [name for name, parser in sub.choices.items() if "--lang" not in parser._option_string_actions]
    assert lacking == []
    code, _, err = run("show", "sales", "--lang", "fr")
    assert code == 2 and "procflow speaks en, zh-CN" in err
    code, out, _ = run("show", "sales")  # the process's locale
    assert code == 0 and "角色：" in out and "roles:" not in out
    code, out, _ = run("show", "sales", "--lang", "en")
    assert code == 0 and "roles:" in out and "within 1 working day after" in out


def test_numbers_money_and_dates_are_written_for_the_locale() -> None:
    zh, en = translator("zh-CN"), translator("en")
    assert zh.money(722000) == "¥722,000.00" and en.money("722000.5") == "CN¥722,000.50"
    assert zh.date("2026-12-12") == "2026年12月12日" and en.date("2026-12-12") == "Dec 12, 2026"
    assert zh.percent(0.125) == "12.5%" and en.number(1234567) == "1,234,567"
    assert zh._("Funnel") == "销售漏斗" and en._("Funnel") == "Funnel"
    assert zh._("{n} cases", n=3) == "3 个案例"


# --- the done-when: no label in the other language ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sales_db(tmp_path_factory: pytest.TempPathFactory, sales: ProcessDefinition) -> str:
    return review_store(tmp_path_factory.mktemp("i18n"), sales, 60)


def _labels_shown(page: str, definition: ProcessDefinition) -> str:
    """The page's own words: no markup, code, YAML appendix, hashes, file paths or the definition's ids (a
    store's path is shown, and a checkout in a folder named like a label, e.g. `overdue`, must not fail)."""
    text = re.sub(r"<(style|pre|code|svg)\b.*?</\1>", " ", page, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<title>.*?</title>", " ", text, flags=re.S)))
    text = re.sub(r"(?:/[\w.+-]+){2,}", " ", text)
    ids = {*definition.states, *definition.roles, *definition.documents, *(s.id for s in definition.stages)}
    ids |= {p.id for p in definition.pipeline} | {t.trigger for t in definition.transitions}
    return re.sub(r"\((?:[a-z0-9_]+)\)", " ", text) if ids else text


def _english_labels(text: str, msgids: Iterable[str] | None = None) -> list[str]:
    """The catalog's English strings (or those of `msgids`) found in `text`, each piece between its fields."""
    found = []
    for msgid in (str(m.id or "") for m in read("en")) if msgids is None else msgids:
        for fragment in re.split(r"\{\w+\}", msgid):
            words = fragment.strip(" ,.;:()%\"'–")
            if len(words) >= 3 and re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", text):
                found.append(words)
    return sorted(set(found))


def _report_pages(db: str, lang: str, tmp_path: Path) -> list[str]:
    case_id = next(iter(Engine(open_store(db)).store.case_ids(process_id="sales")))
    pages = []
    for argv in (
        ["report", "--from", "2026-01-01", "--to", "2027-01-01"],
        ["audit", case_id, "--format", "html"],
    ):
        target = tmp_path / f"{argv[0]}-{lang}.html"
        code, _, err = run(*argv, "--db", db, "--lang", lang, "--now", "2027-01-01T00:00+08:00", "-o", str(target))
        assert code == 0, err
        pages.append(target.read_text("utf-8"))
    return pages


def test_the_zh_cn_review_and_audit_pages_carry_no_english_label(
    sales_db: str, sales: ProcessDefinition, tmp_path: Path
) -> None:
    pages = _report_pages(sales_db, "zh-CN", tmp_path)
    for page in pages:
        assert _english_labels(_labels_shown(page, sales)) == []
        assert "销售漏斗" in page or "时间线" in page
    assert "选择竞争对手 (chose_competitor)" in pages[0]  # a loss reason by its title from the YAML
    assert "2026年1月1日" in pages[0]  # the period in the locale's date form
    assert "<th>时间</th>" in pages[1]  # the audit timeline's "when" (not the handbook's 条件)
    for page in _report_pages(sales_db, "en", tmp_path):  # the check does see English labels where they are
        assert {"Deadlines", "Process"} & set(_english_labels(_labels_shown(page, sales)))


def test_an_en_run_carries_no_chinese_label_outside_user_data(
    sales_db: str, sales: ProcessDefinition, tmp_path: Path
) -> None:
    people = {name for names in PEOPLE.values() for name in names}
    for page in _report_pages(sales_db, "en", tmp_path):
        text = _labels_shown(page, sales)
        for name in people:
            text = text.replace(name, " ")
        assert re.findall(r"[\u4e00-\u9fff]+", text) == []
        assert "Funnel" in page or "Timeline" in page
    assert "Chose a competitor (chose_competitor)" in _report_pages(sales_db, "en", tmp_path)[0]


def test_document_templates_write_money_and_dates_for_the_process_locale() -> None:
    from procflow.rendering import Renderer

    template = {"t.md.j2": "{{ doc.amount | money }} · {{ doc.day | date }} · {{ doc.amount | money('USD') }}"}
    zh = Renderer(template, "zh-CN").render_markdown("t.md.j2", {"doc": {"amount": 722000, "day": "2026-12-12"}}, "f")
    assert zh.startswith("¥722,000.00 · 2026年12月12日 · US$722,000.00")
    en = Renderer(template, "en").render_markdown("t.md.j2", {"doc": {"amount": 722000, "day": "2026-12-12"}}, "f")
    assert en.startswith("CN¥722,000.00 · Dec 12, 2026")
    assert list(Renderer(template).problems("t.md.j2")) == []  # the template checks know both filters
    assert list(Renderer({"u.md.j2": "{{ doc.x | moneyy }}"}).problems("u.md.j2"))  # and still refuse unknown ones


def test_a_store_wide_command_speaks_the_environment_language(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(db).close()  # an empty store that exists: a read-only command refuses a missing file
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run("verify", "--db", db)[1] == "通过：0 个案例，0 个事件，0 个检查点\n"
    assert run("verify", "--db", db, "--lang", "en")[1] == "ok: 0 case(s), 0 event(s), 0 checkpoint(s)\n"


def test_tables_line_up_in_terminal_columns_whatever_the_language() -> None:
    from procflow.i18n import columns, pad

    assert columns("未完成") == 6 and pad("未完成", 8) == "未完成  " and pad("missed", 8) == "missed  "
    assert pad("负责角色", 4) == "负责角色"  # never cut
