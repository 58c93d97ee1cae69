"""The quick paths of submit(): `check_data`'s quick walk answers exactly as the full walk does, `frozen` with
`alike` gives what it gives without, and an event sealed with its data's spelling spliced in carries the hash
it would carry spelled afresh — the hash chain stays byte for byte the same."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow.canonical import MAX_DEPTH, MAX_VALUES, _check_walk, check_data, frozen, frozen_copy, scan
from procflow.chain import event_digest, seal
from procflow.errors import InputError
from procflow.records import Event
from tests.json_data import hashable_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**53) - 2, 2**53 + 2)
    | st.integers(-(10**64) - 2, 10**64 + 2)
    | st.floats()
    | st.text()
    | st.sampled_from(["\ud800", "a\udcff", "\ue000", "\U0001f600", date(2026, 1, 1), b"x", 10**64, -(10**64)])
)
keys = st.text(max_size=4) | st.sampled_from(["\ue001", "\udc80", "é", 3, None, (1,)])
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(keys, inner, max_size=4)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3).map(MappingProxyType)
        | st.dictionaries(st.text(max_size=3), inner, max_size=3).map(OrderedDict)
    ),
    max_leaves=25,
)


def full_walk(value: Any) -> str | None:
    try:
        _check_walk(value, "x")
    except InputError as exc:
        return str(exc)
    return None


def quick(value: Any) -> tuple[str | None, bool | None]:
    try:
        alike = check_data(value, "x")
    except InputError as exc:
        return str(exc), None
    return None, alike


@given(values)
def test_the_quick_walk_answers_as_the_full_walk(value: Any) -> None:
    refused, alike = quick(value)
    assert refused == full_walk(value)
    if alike:  # the promise `frozen(alike=True)` relies on
        assert scan(value) == (False, True)


@pytest.mark.parametrize(
    "value",
    [
        [[[["x"]]]] * 2,
        [0] * MAX_VALUES,
        [0] * (MAX_VALUES + 1),
        {"a": [0] * (MAX_VALUES - 1)},
        {"a": [0] * MAX_VALUES},
        [math.nan],
        {"é": "\ud800", "b": 1},
        ["é", "\udfff"],
        {"\ue000": 1},
        [2**53, -(2**53)],
        [10**64 - 1, -(10**64) + 1],
        [10**64],
    ],
    ids=lambda v: repr(v)[:24],
)
def test_the_quick_walk_at_the_limits(value: Any) -> None:
    assert quick(value)[0] == full_walk(value)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 5 * MAX_DEPTH])
def test_the_quick_walk_at_the_depth_limit(depth: int) -> None:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value} if depth % 2 else [value]
    assert quick(value)[0] == full_walk(value)


def test_a_cycle_is_refused_as_too_deep() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert quick(loop)[0] == full_walk(loop) is not None


def test_what_is_spelled_alike() -> None:
    assert quick({"a": [1, "é", None, True, 2**53 - 1]})[1] is True
    for value in ({"a": 1.5}, {"a": (1,)}, {"\ue000": 1}, [2**53], MappingProxyType({"a": 1})):
        assert quick(value)[1] is False


@given(hashable_json)
def test_frozen_with_alike_gives_what_frozen_gives_without(value: Any) -> None:
    alike = check_data(value)
    assert frozen(value, alike) == frozen(value)
    assert frozen(value)[:2] == frozen_copy(value)


def event_holding(data: Any, basis: str | None) -> Event:
    return Event(
        "c-1", 4, "submitted", datetime(2026, 3, 2, 8, 30, tzinfo=UTC), "li", "bd", "d" * 64,
        document="needs_sheet", document_version=2, document_hash="e" * 64,
        data=MappingProxyType(data), basis=basis,
    )  # fmt: skip


@given(st.dictionaries(st.text(max_size=6), hashable_json, max_size=5), st.none() | st.text(max_size=5))
def test_a_spliced_spelling_seals_the_same_hash(value: dict[str, Any], basis: str | None) -> None:
    copy, _, text = frozen(value, check_data(value))
    spliced = seal(event_holding(copy, basis), None, text)
    afresh = seal(event_holding(copy, basis), None)
    assert spliced.hash == afresh.hash == event_digest(afresh)


@pytest.mark.parametrize(
    "value",
    [{"n": 1.5}, {"\ue000": "x"}, {"t": (1, 2)}, {3: "three", 10: "ten"}],
    ids=["float", "high-key", "tuple", "int-keys"],
)
def test_no_spelling_to_splice_where_it_could_differ(value: dict[Any, Any]) -> None:
    """These spell differently under RFC 8785, or their copy sorts its keys otherwise (3 < 10 but "10" < "3")."""
    copy, digest, text = frozen(value)
    assert text is None and (copy, digest) == frozen_copy(value)
