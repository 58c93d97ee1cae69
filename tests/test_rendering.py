"""Rendering documents through the engine: a sandbox that holds, nothing read outside the bundle, escaped HTML."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Actor, DefinitionError, Engine, FixedClock, RenderError, load
from procflow.store.memory import MemoryStore
from tests.conftest import MINI, seat

REQUESTER = Actor("rita", "requester")
AUDITOR = Actor("aude", "auditor")
SECRET = "TOP-SECRET-CONTENT"

Render = Callable[..., str]


@pytest.fixture
def mini_tree(tmp_path: Path) -> Path:
    """A scratch copy of the mini process tree, plus a secret file next to it (outside the bundle)."""
    root = tmp_path / "mini"
    for name in ("processes", "schemas", "doc_templates"):
        shutil.copytree(MINI.parent.parent / name, root / name)
    (tmp_path / "secret.txt").write_text(SECRET, "utf-8")
    (root / "secret.txt").write_text(SECRET, "utf-8")
    return root


@pytest.fixture
def render(mini_tree: Path, clock: FixedClock) -> Render:
    """render(template=None, *, item=..., case_id=..., versions=1, version=None, format=...) → the rendered text.

    Writes the request template (when given), loads the process (a template problem found at
    load time raises DefinitionError), runs a case on a memory store, submits the request
    `versions` times and renders it.
    """

    def run(
        template: str | None = None,
        *,
        item: str = "kettle",
        case_id: str = "case-1",
        versions: int = 1,
        version: int | None = None,
        format: str = "markdown",
    ) -> str:
        if template is not None:
            (mini_tree / "doc_templates" / "mini" / "request.md.j2").write_text(template, "utf-8")
        engine = seat(Engine(MemoryStore(), clock=clock), REQUESTER, AUDITOR)
        engine.register(load(mini_tree / "processes" / "mini.yaml"))
        engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
        case = engine.start("mini", REQUESTER, case_id=case_id)
        for n in range(versions):
            case = engine.submit(case, "request", {"item": item, "amount": 5 + n}, REQUESTER)
        return engine.render(case, "request", format=format, version=version)  # type: ignore[arg-type]

    return run


def refused_at_load_or_render(render: Render, template: str) -> str:
    """The message of the DefinitionError or RenderError the template causes; fails if it renders."""
    started = time.perf_counter()
    with pytest.raises((DefinitionError, RenderError)) as caught:
        render(template)
    # a refusal, not a hang: the render budget is 2 s, and this also times loading the process and making a
    # case, which takes seconds on a loaded 2-core machine (a bound near 2 s failed there); a hang is minutes
    assert time.perf_counter() - started < 20.0
    message = str(caught.value)
    assert SECRET not in message
    return message


# --- the sandbox ------------------------------------------------------------------------------

ESCAPES = [
    pytest.param("{{ doc.__class__ }}", id="dunder-on-doc"),
    pytest.param("{{ doc.item.__class__.__mro__ }}", id="dunder-chain"),
    pytest.param("{{ doc['__class__'] }}", id="dunder-subscript"),
    pytest.param("{{ doc.item | attr('__class__') }}", id="attr-filter"),
    pytest.param("{{ cycler.__init__.__globals__ }}", id="globals-via-cycler"),
    pytest.param("{{ joiner.__init__.__globals__ }}", id="globals-via-joiner"),
    pytest.param("{{ self.__init__.__globals__ }}", id="globals-via-self"),
    pytest.param("{{ '{0.__class__}'.format(doc.item) }}", id="dunder-via-format"),
    pytest.param("{{ doc.item.upper() }}", id="method-call"),
    pytest.param("{{ doc.item.replace('k', 'K') }}", id="method-call-with-arguments"),
    pytest.param("{{ doc.keys() }}", id="dict-method"),
    pytest.param("{{ doc.item.format('x') }}", id="format-method"),
    pytest.param("{{ '{:>100000000}'.format(doc.item) | length }}", id="format-padding-bomb"),
    pytest.param("{{ doc.item | center(100000000) }}", id="center-bomb"),
    pytest.param("{{ 'x' * 100000 }}", id="repeat-bomb"),
    pytest.param("{{ '%s' % doc.item }}", id="percent-formatting"),
    pytest.param("{{ ((999999 ** 64) ** 64) ** 64 > 0 }}", id="power-chain"),
    pytest.param("{{ range(10 ** 9) | list | length }}", id="huge-range"),
    pytest.param("{{ lipsum(5) }}", id="lipsum"),
    pytest.param("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", id="recursive-macro"),
    pytest.param("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", id="recursive-loop"),
    pytest.param("{% include 'mini/request.md.j2' %}", id="includes-itself"),
]


@pytest.mark.parametrize("template", ESCAPES)
def test_template_escaping_the_sandbox_fails_cleanly(render: Render, template: str) -> None:
    refused_at_load_or_render(render, template)


def test_render_error_names_the_template_and_line(render: Render) -> None:
    message = refused_at_load_or_render(render, "# Request\n\n{{ case.id.upper() }}\n")
    assert message.startswith("mini/request.md.j2:3: ")


# --- nothing outside the bundle ----------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{% include '../../etc/passwd' %}",
        "{% include '../secret.txt' %}",
        "{% include '../../secret.txt' %}",
        "{% include 'mini/../../secret.txt' %}",
        "{% include '/etc/passwd' %}",
        "{% import '../../secret.txt' as s %}{{ s }}",
        "{% extends '../../secret.txt' %}",
        "{% from '../secret.txt' import x %}{{ x }}",
    ],
    ids=["etc-passwd", "parent", "grandparent", "through-a-folder", "absolute", "import", "extends", "from-import"],
)
def test_template_cannot_load_anything_outside_the_bundle(render: Render, mini_tree: Path, template: str) -> None:
    absolute = template.replace("'/etc/passwd'", f"'{mini_tree.parent / 'secret.txt'}'")
    for source in {template, absolute}:
        refused_at_load_or_render(render, source)


# --- output -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "forbidden", "expected"),
    [
        ("<script>alert(1)</script>", "<script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<img src=x onerror="alert(1)">', "<img", "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
        ("[click me](javascript:alert(1))", 'href="javascript:', "[click me](javascript:alert(1))"),
        ("</li></ul><script>x</script>", "<script>", "&lt;/li&gt;&lt;/ul&gt;&lt;script&gt;x&lt;/script&gt;"),
    ],
    ids=["script", "img-onerror", "javascript-link", "closing-tags"],
)
def test_html_escapes_markup_from_document_data(render: Render, item: str, forbidden: str, expected: str) -> None:
    html = render(item=item, format="html")
    body = html.split("<body>", 1)[1]
    assert forbidden not in body
    assert expected in body


def test_html_escapes_markup_in_the_case_id(render: Render) -> None:
    html = render(case_id="<b>case</b>", format="html")
    footer = html.split("<footer>", 1)[1].split("</footer>", 1)[0]
    assert footer.startswith("&lt;b&gt;case&lt;/b&gt; · ")


def _footer(text: str) -> str:
    return text.rstrip("\n").rsplit("\n", 1)[1]


@pytest.mark.parametrize(("versions", "version", "shown"), [(1, None, 1), (2, None, 2), (2, 1, 1)])
def test_footer_names_case_process_version_and_document_version(
    render: Render, mini_tree: Path, versions: int, version: int | None, shown: int
) -> None:
    definition = load(mini_tree / "processes" / "mini.yaml")
    markdown = render(versions=versions, version=version)
    footer = _footer(markdown)
    assert footer.startswith(f"*case-1 · mini 1 ({definition.content_hash[:12]}) · request v{shown} (")
    assert footer.endswith(")*")
    assert f"- Amount: {5 + shown - 1}" in markdown
    html = render(versions=versions, version=version, format="html")
    assert f"<footer>{footer.strip('*')}</footer>" in html


def test_markdown_keeps_table_cells_intact(render: Render) -> None:
    markdown = render("| Item |\n|---|\n| {{ doc.item }} |\n", item="a | b")
    assert "| a \\| b |" in markdown


# --- bounded time and size ---------------------------------------------------------------------

BIG = "{% set a = 'x' * 10000 %}"
BOMBS = [
    pytest.param("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", id="nested-loops"),
    pytest.param(
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
        id="exponential-macro",
    ),
    pytest.param(BIG + "{% for i in range(99999) %}{{ a }}{% endfor %}", id="output-in-a-loop"),
    pytest.param(BIG + "{% set b %}{% for i in range(99999) %}{{ a }}{% endfor %}{% endset %}x", id="set-block"),
    pytest.param("{% for i in range(99999) %}" + "y" * 1000 + "{% endfor %}", id="literal-in-a-loop"),
    pytest.param(
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        id="doubling-with-tilde",
    ),
    pytest.param(
        "{% set ns = namespace(s=[1]) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        id="doubling-with-plus",
    ),
    pytest.param(BIG + "{{ ([a] * 10000) | join }}", id="join-of-copies"),
    pytest.param(BIG + "{{ ([{'k': a}] * 10000) | map(attribute='k') | join }}", id="lazy-join"),
    pytest.param(BIG + "{{ ([a] * 10000) | string | length }}", id="string-of-copies"),
    pytest.param(BIG + "{{ ([a] * 10000) | map('upper') | list | length }}", id="map-of-copies"),
    pytest.param("{{ [1] | batch(10 ** 9, 'x') | list | length }}", id="batch-fill"),
    pytest.param("{{ {'a': 1} | tojson(indent=10 ** 8) }}", id="tojson-indent"),
    pytest.param(BIG + "{{ a | replace('', a) | length }}", id="replace-multiplies"),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("template", BOMBS)
def test_a_render_is_bounded_in_time_and_size(render: Render, template: str) -> None:
    started = time.perf_counter()
    with pytest.raises(RenderError) as caught:
        render(template)
    assert time.perf_counter() - started < 15
    assert any(
        phrase in caught.value.message
        for phrase in ("longer than", "larger than", "not allowed", "too many", "in all is not allowed")
    ), caught.value.message
    assert caught.value.message.startswith("mini/request.md.j2")


def test_an_ordinary_loop_renders_in_full(render: Render) -> None:
    text = render("{% for i in range(2000) %}{{ i }},{% endfor %}")
    assert text.startswith("0,1,2,") and "1999," in text


# --- refused at load: what can be known before a render ------------------------------------------


@pytest.mark.parametrize(
    ("template", "line", "phrase"),
    [
        ("ok\n{{ doc.item | xmlattr }}", 2, "unknown filter 'xmlattr'"),
        ("{{ doc.item | uper }}", 1, "unknown filter 'uper'; did you mean 'upper'?"),
        ("{% if doc.item is nmber %}x{% endif %}", 1, "unknown test 'nmber'"),
        ("{% filter center %}x{% endfilter %}", 1, "unknown filter 'center'"),
        ("a\nb\n{{ doc.item.__class__ }}", 3, "'__class__', which templates may not use"),
        ("{{ doc['_hidden'] }}", 1, "'_hidden', which templates may not use"),
        ("{{ cycler.__init__.__globals__ }}", 1, "which templates may not use"),
        ("x\n{% include 'mini/nowhere.md.j2' %}", 2, "'mini/nowhere.md.j2' it includes is not in doc_templates/"),
        ("{% import 'mini/nowhere.j2' as m %}", 1, "is not in doc_templates/"),
        ("{% include doc.item %}", 1, "include/import names must be written out"),
    ],
    ids=[
        "removed-filter",
        "misspelt-filter",
        "unknown-test",
        "filter-block",
        "dunder",
        "private-key",
        "globals",
        "missing-include",
        "missing-import",
        "computed-include",
    ],
)
def test_what_a_template_cannot_do_is_refused_at_load_at_its_line(
    render: Render, template: str, line: int, phrase: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        render(template)
    problem = next(p for p in caught.value.problems if phrase in p.message)
    assert problem.file.endswith("doc_templates/mini/request.md.j2")
    assert problem.line == line


# --- macros and included templates ---------------------------------------------------------------


def test_macros_work_as_the_format_reference_says(render: Render) -> None:
    template = (
        "{% macro row(label, value) -%}\n| {{ label }} | {{ value }} |\n{%- endmacro %}"
        "| Field | Value |\n|---|---|\n{{ row('Item', doc.item) }}\n{{ row('Amount', doc.amount) }}\n"
    )
    text = render(template)
    assert "| Item | kettle |" in text and "| Amount | 5 |" in text


def test_macros_imported_from_another_template_travel_in_the_bundle(
    render: Render, mini_tree: Path, clock: FixedClock
) -> None:
    (mini_tree / "doc_templates" / "mini" / "macros.j2").write_text(
        "{% macro shout(text) %}{{ text | upper }}!{% endmacro %}", "utf-8"
    )
    template = "{% import 'mini/macros.j2' as m %}{{ m.shout(doc.item) }}\n{% include 'mini/part.j2' %}"
    (mini_tree / "doc_templates" / "mini" / "part.j2").write_text("part for {{ doc.item }}", "utf-8")
    text = render(template)
    assert "KETTLE!" in text and "part for kettle" in text
    definition = load(mini_tree / "processes" / "mini.yaml")
    assert {"mini/macros.j2", "mini/part.j2"} <= set(definition.templates)


def test_an_included_template_is_checked_at_its_own_line(render: Render, mini_tree: Path) -> None:
    (mini_tree / "doc_templates" / "mini" / "part.j2").write_text("fine\n{{ doc.item | nofilter }}", "utf-8")
    with pytest.raises(DefinitionError) as caught:
        render("{% include 'mini/part.j2' %}")
    [problem] = [p for p in caught.value.problems if "nofilter" in p.message]
    assert problem.file.endswith("doc_templates/mini/part.j2") and problem.line == 2
