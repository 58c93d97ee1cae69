"""Document data from files: what JSON Schema cannot judge is refused before validation, with the file named."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procflow.datafiles import parse_json, read_data
from procflow.definition.reader import MAX_BYTES, MAX_NUMBER_DIGITS
from procflow.errors import InputError

Write = Callable[[str, bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def make(name: str, raw: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(raw)
        return path

    return make


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        read_data(path)
    assert caught.value.exit_code == 2
    assert str(path) in str(caught.value), "the message must name the file"
    return caught.value


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        (b'{"amount": 1, "amount": 2}', "duplicate key 'amount'; each key may appear once"),
        (b'{"a": {"b": [{"c": 1, "c": 1}]}}', "duplicate key 'c'"),
        (b'{"amount": NaN}', "NaN is not a number JSON allows"),
        (b'{"amount": Infinity}', "Infinity is not a number JSON allows"),
        (b'{"amount": -Infinity}', "-Infinity is not a number JSON allows"),
        (b'{"amount": ' + b"9" * 100 + b"}", "is too large (100 digits; at most 64)"),
        (b'{"amount": -' + b"9" * 100 + b"}", "is too large"),
        (b'{"amount": 1e999}', "the number 1e999 is out of range"),
        (b'{"amount": 0.' + b"1" * 100 + b"}", "is out of range"),
        (b'{"item": "caf\xe9"}', "invalid UTF-8 at byte 13"),
        (b'{"item": "kettle",\n "amount": }', ":2:12: invalid JSON: Expecting value"),
        (b"[" * 100_000 + b"]" * 100_000, "nesting is deeper than 64 levels"),
        (b"", ":1:1: invalid JSON"),
    ],
    ids=[
        "duplicate-key",
        "nested-duplicate-key",
        "nan",
        "infinity",
        "minus-infinity",
        "100-digit-integer",
        "100-digit-negative",
        "float-overflow",
        "100-digit-fraction",
        "invalid-utf8",
        "syntax-with-position",
        "deep-nesting",
        "empty",
    ],
)
def test_bad_json_is_refused_with_the_file_and_reason(write: Write, raw: bytes, phrase: str) -> None:
    assert phrase in str(refused(write("doc.json", raw)))


def test_numbers_up_to_the_digit_limit_are_read(write: Write) -> None:
    biggest = "9" * MAX_NUMBER_DIGITS
    assert read_data(write("doc.json", f'{{"n": {biggest}, "m": -{biggest}}}'.encode())) == {
        "n": int(biggest),
        "m": -int(biggest),
    }
    refused(write("more.json", f'{{"n": 1{biggest}}}'.encode()))


def test_a_file_over_one_mebibyte_is_refused_unread(write: Write) -> None:
    error = refused(write("big.json", b'"' + b"x" * MAX_BYTES + b'"'))
    assert f"larger than the {MAX_BYTES} bytes allowed" in str(error)


@pytest.mark.parametrize("name", ["missing.json", "missing.yaml"])
def test_a_missing_file_is_an_input_error(tmp_path: Path, name: str) -> None:
    error = refused(tmp_path / name)
    assert "cannot read the file: No such file or directory" in str(error)


def test_a_directory_is_an_input_error(tmp_path: Path) -> None:
    assert "cannot read the file" in str(refused(tmp_path))


def test_good_json_is_read_as_plain_data(write: Write) -> None:
    raw = '{"item": "Wasserkocher – 水壶", "amount": 12.5, "tags": ["a", null, true], "n": 3}'.encode()
    assert read_data(write("doc.json", raw)) == {
        "item": "Wasserkocher – 水壶",
        "amount": 12.5,
        "tags": ["a", None, True],
        "n": 3,
    }


@pytest.mark.parametrize("name", ["doc.yaml", "doc.yml", "doc.YAML"])
def test_yaml_data_keeps_yaml_12_scalars(write: Write, name: str) -> None:
    raw = b"answer: yes\nswitch: off\nneeded_by: 2026-03-02\nat: 1:20\nunits: 0x1f\nnote: ~\nok: true\n"
    assert read_data(write(name, raw)) == {
        "answer": "yes",
        "switch": "off",
        "needed_by": "2026-03-02",
        "at": "1:20",
        "units": 31,
        "note": None,
        "ok": True,
    }


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        (b"run: !!python/object/apply:os.system ['echo pwned']\n", "the tag !!python/object/apply:os.system"),
        (b"amount: 1\namount: 2\n", "duplicate key 'amount' (first at line 1)"),
        (b"a: 1\n---\nb: 2\n", "several YAML documents"),
        (b"amount: " + b"9" * 100 + b"\n", "is too large (100 digits; at most 64)"),
        (b"item: caf\xe9\n", "invalid UTF-8 byte 0xe9"),
        (b"# nothing here\n", "the file is empty"),
    ],
    ids=["python-tag", "duplicate-key", "two-documents", "100-digit-number", "invalid-utf8", "empty"],
)
def test_yaml_data_goes_through_the_safe_reader(
    write: Write, monkeypatch: pytest.MonkeyPatch, raw: bytes, phrase: str
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args) or 0)
    path = write("doc.yaml", raw)
    error = refused(path)
    assert phrase in str(error)
    assert f"{path}:" in str(error), "YAML problems keep their line and column"
    assert calls == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.binary(max_size=80).map(lambda b: b.decode("latin-1")))
def test_parse_json_returns_data_or_input_error(text: str) -> None:
    try:
        parse_json(text.encode("utf-8", "surrogatepass"), "h.json")
    except InputError as exc:
        assert str(exc).startswith("h.json")
