"""Guard and computed-field expressions: a tight sandbox, load-time problems, strict evaluation."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procflow.errors import ExpressionError
from procflow.expressions import Expression, problems, references

CONTEXT: dict[str, Any] = {
    "documents": {
        "order": {"amount": 120, "item": "kettle", "tags": ["a", "b"], "approved": True, "note": None},
        "customer": {"name": "Ada", "address": {"city": "Berlin"}},
    },
    "data": {"priority": 2},
    "state": "review",
}


def evaluate(source: str) -> Any:
    """Compile and evaluate; everything that goes wrong must be an ExpressionError."""
    return Expression(source).evaluate(CONTEXT)


def reported_or_refused(source: str) -> None:
    """Either `problems()` reports the source, or it evaluates to a value or an ExpressionError."""
    if list(problems(source)):
        return
    with contextlib.suppress(ExpressionError):
        evaluate(source)


# --- refused at load time and at run time ----------------------------------------------------

FORBIDDEN = [
    pytest.param("documents.order.item.upper()", "expressions cannot call functions or methods", id="method-call"),
    pytest.param("documents.order.tags.append(1)", "expressions cannot call functions or methods", id="mutating-call"),
    pytest.param("range(10) | length > 3", "expressions cannot call functions or methods", id="range"),
    pytest.param("range(10) | length > 3", "unknown name 'range'", id="range-name"),
    pytest.param("cycler", "unknown name 'cycler'", id="jinja-global"),
    pytest.param("lipsum", "unknown name 'lipsum'", id="lipsum"),
    pytest.param("documents.order.amount | attr('real')", "the filter 'attr' is not allowed", id="filter-attr"),
    pytest.param("documents.order.item | format('x')", "the filter 'format' is not allowed", id="filter-format"),
    pytest.param("documents.order.amount is odd", "the test 'odd' is not allowed", id="test-odd"),
    pytest.param("documents.order.amount is sameas 1", "the test 'sameas' is not allowed", id="test-sameas"),
    pytest.param("state.__class__ == 'x'", "__class__", id="dunder-on-a-string"),
    pytest.param("data.__class__.__mro__", "__class__", id="dunder-chain"),
    pytest.param("documents.order['__class__']", "__class__", id="dunder-subscript"),
    pytest.param("documents.order.item.__len__", "__len__", id="dunder-method"),
]


@pytest.mark.parametrize(("source", "phrase"), FORBIDDEN)
def test_forbidden_expression_is_reported_by_problems(source: str, phrase: str) -> None:
    found = list(problems(source))
    assert any(phrase in message for message in found), found


@pytest.mark.parametrize(("source", "_phrase"), [p for p in FORBIDDEN if p.id != "range-name"])
def test_forbidden_expression_is_refused_at_evaluation(source: str, _phrase: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source)
    assert caught.value.expression == source
    assert str(caught.value).startswith(f"cannot evaluate {source!r}: ")


def test_names_outside_the_allowed_set_are_reported() -> None:
    assert list(problems("this.injury", ("documents", "data", "state"))) == [
        "unknown name 'this'; expressions can use documents, data, state"
    ]
    assert list(problems("this.injury and documents.order.approved")) == []


@pytest.mark.parametrize(
    ("source", "phrase"),
    [
        ("documents.order.amount >", "the expression does not parse"),
        ("documents.order.amount )", "the expression does not parse"),
        ("documents.order.amount; 1", "after the expression"),
        ("{% if true %}", "the expression does not parse"),
        ("", "the expression does not parse"),
    ],
    ids=["dangling-operator", "stray-paren", "two-expressions", "a-statement", "empty"],
)
def test_syntax_errors_are_problems_and_expression_errors(source: str, phrase: str) -> None:
    [message] = problems(source)
    assert phrase in message
    with pytest.raises(ExpressionError):
        evaluate(source)


# --- bounded at run time ----------------------------------------------------------------------

BOMBS = [
    pytest.param("'x' * 100000", id="string-repeat"),
    pytest.param("documents.order.tags * 50000", id="list-repeat"),
    pytest.param("documents.order.item * 3000 * 3000", id="chained-repeat"),
    pytest.param("10 ** 100", id="big-exponent"),
    pytest.param("9 ** 9 ** 9 ** 9 ** 9", id="tower"),  # Jinja's ** is left-associative: 9 ** 6561
    pytest.param("(10 ** 60) ** 60", id="power-of-a-power"),
    pytest.param("((((999999 ** 64) ** 8) ** 8) ** 8) ** 8", id="power-chain-under-the-exponent-limit"),
    pytest.param("'%s%s' % (state, state)", id="percent-formatting"),
    pytest.param("documents.order.amount % 0", id="modulo-zero"),
    pytest.param("documents.order.amount / 0", id="division-by-zero"),
]


@pytest.mark.parametrize("source", BOMBS)
def test_huge_or_failing_arithmetic_is_refused_quickly(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionError):
        evaluate(source)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "source",
    [
        "(" * 600 + "documents.order.approved" + ")" * 600,
        "[" * 600 + "]" * 600 + " | length == 1",
        "not " * 480 + "true",
        "1" + " + 1" * 480 + " > 0",
    ],
    ids=["600-parentheses", "600-brackets", "480-nots", "480-additions"],
)
def test_deep_nesting_is_reported_or_refused_never_a_crash(source: str) -> None:
    assert len(source) <= 2000  # what the process schema lets through
    reported_or_refused(source)


# --- references: what a guard reads, for the load-time field checks ----------------------------


@pytest.mark.parametrize(
    ("source", "chains"),
    [
        ("documents.order.amount > 100", ["documents.order.amount"]),
        ("documents['order']['amount'] > 100", ["documents.order.amount"]),
        ("documents.customer.address.city == 'Berlin'", ["documents.customer.address.city"]),
        ("documents.order.tags[0] == 'a'", ["documents.order.tags.0"]),
        ("data.priority > 1 and state == 'review'", ["data.priority", "state"]),
        (
            "documents.order.tags | select('in', documents.customer.tags) | list",
            ["documents.order.tags", "documents.customer.tags"],
        ),
        ("this.severity in ['high'] or not this.injury", ["this.severity", "this.injury"]),
        ("1 + 2 == 3", []),
    ],
    ids=["dotted", "subscripts", "nested", "index", "several", "filter-arguments", "this", "none"],
)
def test_references_are_the_longest_chains(source: str, chains: list[str]) -> None:
    assert sorted(str(r) for r in references(source)) == sorted(chains)


# --- strict evaluation ----------------------------------------------------------------------

TYPO = "documents.order.amout"


@pytest.mark.parametrize(
    "source",
    [
        f"{TYPO} == 120",
        f"{TYPO} != 120",
        f"not {TYPO}",
        f"{TYPO} > 100",
        f"{TYPO} in [120]",
        f"120 in {TYPO}",
        f"{TYPO} and true",
        f"{TYPO} or true",
        f"{TYPO} | length > 0",
        f"{TYPO} ~ ''",
        "documents.ordr.amount == 120",
        "data.priorty == 2",
        f"{TYPO} is true",
        f"{TYPO} is none",
        f"{TYPO} is number",
    ],
    ids=lambda s: s.replace(TYPO, "typo"),
)
def test_a_misspelt_field_is_an_error_never_silently_false(source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        Expression(source).holds(CONTEXT)
    assert "check the field name or test it with 'is defined'" in caught.value.reason


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"{TYPO} is defined", False),
        (f"{TYPO} is not defined", True),
        (f"{TYPO} | default(0) == 0", True),
        ("false and documents.order.amout", False),
        ("documents.order.approved and documents.order.amount > 100", True),
        ("documents.order.note is none", True),
        ("state == 'review' and data.priority == 2", True),
    ],
    ids=["is-defined", "is-not-defined", "default", "short-circuit", "plain", "null-field", "state-and-data"],
)
def test_guards_that_test_for_missing_fields_work(source: str, expected: bool) -> None:
    assert Expression(source).holds(CONTEXT) is expected


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("documents.order.amount", "120"),
        ("documents.order.item", "'kettle'"),
        ("documents.order.note", "None"),
        ("documents.order.tags", "['a', 'b']"),
        ("documents.order.amount > 100 and documents.order.item", "'kettle'"),
    ],
    ids=["number", "string", "null", "list", "and-yields-a-value"],
)
def test_a_guard_must_give_true_or_false(source: str, shown: str) -> None:
    assert repr(evaluate(source)) == shown
    with pytest.raises(ExpressionError) as caught:
        Expression(source).holds(CONTEXT)
    assert caught.value.reason == f"a condition must give true or false, not {shown}"


# --- open inputs --------------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        *("documents", "data", "state", "this", ".", "order", "customer", "amount", "item", "tags", "note"),
        *("[", "]", "(", ")", "0", "1", "-1", "2.5", "'x'", "64", "999999", "+", "-", "*", "**", "/", "//", "%", "~"),
        *("==", "!=", "<", ">", " and ", " or ", " not ", " in ", " is ", "defined", "none", "|", "length", "lower"),
        *("int", "round", "min", "max", "sum", "list", "join", "first", "default", "select", "unique", ","),
        *(" if ", " else ", "true", "false", "{", "}", ":", "__class__", "attr", "range", "lipsum", "'%s'", "priority"),
    ]
)


@settings(max_examples=500, deadline=timedelta(seconds=1), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, min_size=1, max_size=14).map(" ".join) | st.lists(TOKENS, min_size=1, max_size=14).map("".join))
def test_any_short_expression_evaluates_or_is_refused_cleanly(source: str) -> None:
    reported_or_refused(source)


@settings(max_examples=300, deadline=timedelta(seconds=1))
@given(st.text(max_size=40))
def test_problems_never_raises_on_any_text(source: str) -> None:
    assert all(isinstance(message, str) for message in problems(source))
