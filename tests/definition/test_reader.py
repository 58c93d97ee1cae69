"""The safe YAML reader: every class of bad input is refused or reported, with its place; values keep marks."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procflow.definition.reader import MAX_BYTES, MAX_DEPTH, MAX_NODES, Marked, json_path, read_yaml
from procflow.errors import DefinitionError, Problem


def fatal(raw: bytes | str) -> list[Problem]:
    """The problems `read_yaml` raises with; fails the test if it returns instead."""
    with pytest.raises(DefinitionError) as caught:
        read_yaml(raw, "p.yaml")
    assert caught.value.problems, "a DefinitionError must carry at least one problem"
    return list(caught.value.problems)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# --- tags: nothing in a file can name a Python object -------------------------------------


def test_python_tag_is_reported_and_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    marked = read_yaml(b"id: x\nrun: !!python/object/apply:os.system ['echo pwned']\n", "p.yaml")
    problem = only(marked.problems)
    assert "the tag !!python/object/apply:os.system is not allowed" in problem.message
    assert (problem.file, problem.line, problem.column, problem.path) == ("p.yaml", 2, 6, "run")
    assert calls == []
    assert marked.data["id"] == "x"  # reading went on past the tag
    assert str(problem) == f"p.yaml:2:6: error: {problem.message} (at run)"


@pytest.mark.parametrize(
    ("text", "tag", "where"),
    [
        ("a: !foo bar\n", "!foo", (1, 4)),
        ("a: !!set {x, y}\n", "!!set", (1, 4)),
        ("a: !!binary aGVsbG8=\n", "!!binary", (1, 4)),
        ("a: !!timestamp 2025-01-01\n", "!!timestamp", (1, 4)),
        ("a: !!python/name:os.system ''\n", "!!python/name:os.system", (1, 4)),
        ("a: !<tag:example.com,2000:thing> x\n", "tag:example.com,2000:thing", (1, 4)),
        ("a:\n  - !custom [1, 2]\n", "!custom", (2, 5)),
        ("!!python/object:os.system key: 1\n", "!!python/object:os.system", (1, 1)),
    ],
    ids=["local", "set", "binary", "timestamp", "python-name", "verbatim", "on-a-list", "on-a-key"],
)
def test_custom_tags_are_reported_where_they_stand(text: str, tag: str, where: tuple[int, int]) -> None:
    problem = only(read_yaml(text, "p.yaml").problems)
    assert f"the tag {tag} is not allowed" in problem.message
    assert (problem.line, problem.column) == where


@pytest.mark.parametrize("text", ["a: !!str 1\n", "a: !!int '7'\n", "a: ! 12\n", "a: !!map {b: 1}\n"], ids=str.strip)
def test_standard_tags_are_allowed(text: str) -> None:
    assert read_yaml(text).problems == []


# --- duplicate keys -----------------------------------------------------------------------


def test_duplicate_key_names_the_key_and_the_first_line() -> None:
    marked = read_yaml(b"id: one\ntitle: T\nid: two\n", "p.yaml")
    problem = only(marked.problems)
    assert "duplicate key 'id' (first at line 1)" in problem.message
    assert (problem.line, problem.column, problem.path) == (3, 1, "id")
    assert marked.data == {"id": "one", "title": "T"}  # the first one is kept


def test_reading_continues_after_a_duplicate_and_reports_everything_else() -> None:
    text = (
        "states:\n"  # 1
        "  a: {stage: s}\n"  # 2
        "  b: {stage: s}\n"  # 3
        "  a: {stage: t}\n"  # 4
        "tag: !oops x\n"  # 5
        "nested:\n"  # 6
        "  - k: 1\n"  # 7
        "    k: 2\n"  # 8
    )
    marked = read_yaml(text, "p.yaml")
    found = [(p.line, p.column, p.path, p.message.split(";")[0]) for p in marked.problems]
    assert found == [
        (4, 3, "states.a", "duplicate key 'a' (first at line 2)"),
        (5, 6, "tag", "the tag !oops is not allowed"),
        (8, 5, "nested[0].k", "duplicate key 'k' (first at line 7)"),
    ]
    assert marked.data["nested"] == [{"k": 1}]


def test_marks_inside_a_kept_entry_are_not_taken_from_its_discarded_duplicate() -> None:
    marked = read_yaml("s:\n  x: 1\ns:\n  x: 2\n", "p.yaml")
    assert marked.data == {"s": {"x": 1}}
    # the value 1 that was kept stands on line 2, not where the discarded duplicate's x is
    assert marked.marks[("s", "x")] == (2, 6)
    assert marked.key_marks[("s", "x")] == (2, 3)


# --- resource bombs: refused quickly, before any structure is built -------------------------

LAUGHS = "".join(
    [
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
        *(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    ]
)


def test_billion_laughs_fails_fast_at_the_alias_that_overflows() -> None:
    started = time.perf_counter()
    problem = only(fatal(LAUGHS))
    assert time.perf_counter() - started < 1.0
    assert f"aliases expand the document beyond {MAX_NODES} values" in problem.message
    # e alone holds 66,430 values: the second alias to it in f's list passes the limit
    assert (problem.line, problem.column) == (6, 12)


def test_aliases_used_as_keys_are_bounded_too() -> None:
    five_levels = "".join(LAUGHS.splitlines(keepends=True)[:5])  # 66,430 values under e
    started = time.perf_counter()
    problem = only(fatal(five_levels + "".join(f"k{n}: {{*e: 1}}\n" for n in range(5))))
    assert time.perf_counter() - started < 1.0
    assert "aliases expand the document beyond" in problem.message


def test_a_few_aliases_are_fine() -> None:
    marked = read_yaml("base: &b {x: 1}\ncopy: *b\n")
    assert marked.problems == [] and marked.data["copy"] == {"x": 1}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 10_000, (1, MAX_DEPTH + 1)),
        ("{a: " * 10_000, (1, 4 * MAX_DEPTH + 1)),
        ("".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v\n", (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1)),
    ],
    ids=["10000-brackets", "10000-braces", "200-indented-levels"],
)
def test_deep_nesting_is_refused_at_the_level_that_is_too_deep(text: str, where: tuple[int, int]) -> None:
    started = time.perf_counter()
    problem = only(fatal(text))
    assert time.perf_counter() - started < 1.0
    assert f"nesting is deeper than {MAX_DEPTH} levels" in problem.message
    if problem.column > where[1]:
        # libyaml >= 0.2.6 (PyYAML 6.0.4 wheels) stops flow nesting at depth 1000 while scanning ahead,
        # before the reader sees the 65th level; it then points at the 1001st opening bracket.
        assert (problem.line, problem.column) == (where[0], where[1] + (1000 - MAX_DEPTH) * (where[1] - 1) // MAX_DEPTH)
    else:
        assert (problem.line, problem.column) == where


def test_a_file_over_one_mebibyte_is_refused_before_parsing() -> None:
    raw = b"a: |\n" + b"  x\n" * (MAX_BYTES // 4)
    problem = only(fatal(raw))
    assert f"the file is {len(raw)} bytes; the limit is {MAX_BYTES} bytes" in problem.message


def test_a_file_of_exactly_one_mebibyte_is_read() -> None:
    head = b"a: 1\n"
    raw = head + b"#" * (MAX_BYTES - len(head))
    assert read_yaml(raw).data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "phrase", "where"),
    [
        ("a: 1\n---\nb: 2\n", "the file holds several YAML documents", (2, 1)),
        ("---\na: 1\n---\na: 2\n", "the file holds several YAML documents", (3, 1)),
        ("a: *nowhere\n", "unknown alias *nowhere", (1, 4)),
        ("[a, b]: 1\n", "a mapping key must be a plain name", (1, 1)),
        ("a: [1, 2\n", "YAML syntax", (2, 1)),
    ],
    ids=["two-documents", "explicit-starts", "unknown-alias", "list-as-key", "unclosed-list"],
)
def test_structural_errors_are_fatal_with_a_place(text: str, phrase: str, where: tuple[int, int]) -> None:
    problem = only(fatal(text))
    assert phrase in problem.message
    assert (problem.line, problem.column) == where


@pytest.mark.parametrize("text", ["---\na: 1\n", "a: 1\n...\n", "\ufeffa: 1\n"], ids=["start", "end", "bom"])
def test_one_document_with_markers_or_a_bom_is_fine(text: str) -> None:
    assert read_yaml(text).data == {"a": 1}


# --- encoding and layout ------------------------------------------------------------------


def test_a_tab_in_the_indentation_gets_a_hint_about_spaces() -> None:
    problem = only(fatal("states:\n\tdraft: {}\n"))
    assert "indent with spaces, not tabs" in problem.message
    assert (problem.line, problem.column) == (2, 1)


def test_invalid_utf8_points_at_the_bad_byte() -> None:
    problem = only(fatal(b"id: x\ntitle: caf\xe9 menu\n"))
    assert "invalid UTF-8 byte 0xe9; save the file as UTF-8" in problem.message
    assert (problem.line, problem.column) == (2, 11)


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \n\n", b"# only a comment\n", b"# one\n   # two, indented\n\n"],
    ids=["empty", "blank-lines", "comment", "comments"],
)
def test_an_empty_file_says_so(raw: bytes) -> None:
    problem = only(fatal(raw))
    assert "the file is empty; it must hold one YAML mapping" in problem.message
    assert (problem.line, problem.column) == (1, 1)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("n: " + "9" * 100 + "\n", "is too large (100 digits; at most 64)"),
        ("n: 1e999\n", "the number 1e999 is out of range"),
    ],
    ids=["100-digit-int", "float-overflow"],
)
def test_absurd_numbers_are_reported_not_built(text: str, phrase: str) -> None:
    marked = read_yaml(text, "p.yaml")
    problem = only(marked.problems)
    assert phrase in problem.message
    assert (problem.line, problem.column, problem.path) == (1, 4, "n")


# --- scalars: YAML 1.2 core only ----------------------------------------------------------


SCALARS: list[tuple[str, Any]] = [
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("1:20", "1:20"),
    ("2025-01-01", "2025-01-01"),
    ("2025-01-01T09:00:00Z", "2025-01-01T09:00:00Z"),
    ("1_000", "1_000"),
    ("0x1f", 31),
    ("0o17", 15),
    ("012", 12),
    ("+7", 7),
    ("-3", -3),
    ("1.5", 1.5),
    ("1e3", 1000.0),
    ("~", None),
    ("null", None),
    ("", None),
    ("true", True),
    ("False", False),
    ("'true'", "true"),
    ('"1.0"', "1.0"),
    ("'~'", "~"),
]


@pytest.mark.parametrize(("scalar", "expected"), SCALARS, ids=[scalar or "empty" for scalar, _ in SCALARS])
def test_scalar_semantics(scalar: str, expected: Any) -> None:
    marked = read_yaml(f"v: {scalar}\n")
    value = marked.data["v"]
    assert (type(value), value) == (type(expected), expected)
    assert marked.problems == []


# --- marks --------------------------------------------------------------------------------

MARKED = (
    "id: demo\n"  # 1
    "roles:\n"  # 2
    "  clerk: {title: Clerk}\n"  # 3
    "transitions:\n"  # 4
    "  - trigger: go\n"  # 5
    "    roles: [clerk, boss]\n"  # 6
)


@pytest.fixture
def marked() -> Marked:
    return read_yaml(MARKED, "m.yaml")


MARK_CASES: list[tuple[tuple[str | int, ...], tuple[int, int], tuple[int, int] | None]] = [
    (("id",), (1, 5), (1, 1)),
    (("roles",), (3, 3), (2, 1)),
    (("roles", "clerk"), (3, 10), (3, 3)),
    (("roles", "clerk", "title"), (3, 18), (3, 11)),
    (("transitions", 0), (5, 5), None),
    (("transitions", 0, "trigger"), (5, 14), (5, 5)),
    (("transitions", 0, "roles", 1), (6, 20), None),
]


@pytest.mark.parametrize(("path", "value_at", "key_at"), MARK_CASES, ids=[json_path(c[0]) for c in MARK_CASES])
def test_marks_of_values_and_keys(
    marked: Marked, path: tuple[str | int, ...], value_at: tuple[int, int], key_at: tuple[int, int] | None
) -> None:
    assert marked.marks[path] == value_at
    assert marked.key_marks.get(path) == key_at


def test_a_problem_is_located_at_the_nearest_marked_ancestor(marked: Marked) -> None:
    problem = marked.problem(("transitions", 0, "roles", 7), "no such role")
    assert (problem.line, problem.column, problem.path) == (6, 12, "transitions[0].roles[7]")
    assert marked.problem(("roles", "clerk"), "x", key=True).column == 3
    assert marked.problem(("roles", "clerk"), "x").column == 10


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ((), ""),
        (("id",), "id"),
        (("states", "review", "transitions", 2, "roles"), "states.review.transitions[2].roles"),
    ],
    ids=["root", "top", "deep"],
)
def test_json_path(path: tuple[str | int, ...], shown: str) -> None:
    assert json_path(path) == shown


# --- open inputs ----------------------------------------------------------------------------

YAMLISH = st.lists(
    st.sampled_from(
        [
            *"ab:-[]{},&*!?'\"#|>\n \t~%@`0x1.",
            *("!!python/name:os.system ", "&a ", "*a", "---\n", "...\n", "\ufeff"),
            *("\x00", "\udc80", "é", "0x", "1e999", "yes", "<<: ", "\r"),
        ]
    ),
    max_size=60,
).map("".join)


def _holds_up(raw: bytes | str) -> None:
    try:
        marked = read_yaml(raw, "h.yaml")
    except DefinitionError as exc:
        problems = exc.problems
        assert problems
    else:
        problems = tuple(marked.problems)
    for problem in problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.file == "h.yaml"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_any_yamlish_text_is_read_or_refused_with_definition_error(text: str) -> None:
    _holds_up(text)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_definition_error(raw: bytes) -> None:
    _holds_up(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_with_definition_error(text: str) -> None:
    _holds_up(text)
