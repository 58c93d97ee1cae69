"""One check of what counts as JSON data, shared by data files and library callers."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procflow import Engine
from procflow.canonical import MAX_DEPTH, MAX_NUMBER_DIGITS, canonical_json, check_data, compact_json
from procflow.datafiles import read_data
from procflow.errors import InputError
from tests.conftest import AUDITOR, REQUESTER


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


HOSTILE: list[tuple[str, Any, str, str]] = [
    ("huge-int", {"item": "x", "amount": 10**5000}, "$.amount", "is too large (5001 digits; at most 64)"),
    ("nan", {"item": "x", "amount": math.nan}, "$.amount", "nan is not a number JSON allows"),
    ("infinity", {"item": "x", "amount": -math.inf}, "$.amount", "-inf is not a number JSON allows"),
    ("deep", {"item": nested(100_000), "amount": 1}, "$.item" + "[0]" * MAX_DEPTH, f"deeper than {MAX_DEPTH} levels"),
    ("surrogate", {"item": "ab\ud800", "amount": 1}, "$.item", "lone surrogate"),
    ("surrogate-key", {"item": "x", "amount": 1, "\udcff": 1}, "$", "is not text"),
    ("not-json", {"item": date(2026, 1, 1), "amount": 1}, "$.item", "a date is not JSON data"),
    ("int-key", {"item": "x", "amount": 1, 3: "three"}, "$", "keys must be strings"),
]


@pytest.mark.parametrize(("data", "path", "phrase"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_submit_refuses_what_is_not_json_data_with_the_path(running: Engine, data: Any, path: str, phrase: str) -> None:
    case = running.start("mini", REQUESTER)
    with pytest.raises(InputError) as caught:
        running.submit(case, "request", data, REQUESTER)
    assert caught.value.exit_code == 2
    assert caught.value.message.startswith(f"{path}: ") and phrase in caught.value.message
    assert len(caught.value.message) < 300
    assert running.get(case.id).version == case.version


@pytest.mark.parametrize(("data", "path", "phrase"), [h[1:] for h in HOSTILE[:3]], ids=[h[0] for h in HOSTILE[:3]])
def test_start_and_publish_check_the_same_way(running: Engine, data: Any, path: str, phrase: str) -> None:
    with pytest.raises(InputError, match=re.escape(phrase)):
        running.start("mini", REQUESTER, data=data)
    with pytest.raises(InputError, match=r"not a number JSON allows|too large"):
        running.publish("mini", "policy", {"limit": data["amount"]}, AUDITOR)


@pytest.mark.parametrize(
    ("text", "data", "phrase"),
    [
        ('{"amount": 1' + "0" * 5000 + "}", {"amount": 10**5000}, "is too large (5001 digits; at most 64)"),
        ('{"item": "ab\\ud800"}', {"item": "ab\ud800"}, "$.item: the text holds a lone surrogate"),
        ('{"item": ' + "[" * 100 + "1" + "]" * 100 + "}", {"item": nested(100)}, f"$.item{'[0]' * MAX_DEPTH}: nesting"),
    ],
    ids=["huge-int", "surrogate", "deep"],
)
def test_a_data_file_gets_the_answer_a_library_caller_gets(
    tmp_path: Path, running: Engine, text: str, data: Any, phrase: str
) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as from_file:
        read_data(path)
    assert phrase in from_file.value.message
    case = running.start("mini", REQUESTER)
    with pytest.raises(InputError) as from_library:
        running.submit(case, "request", data, REQUESTER)
    assert phrase in from_library.value.message


def test_the_digit_limit_is_the_same_at_both_doors(tmp_path: Path) -> None:
    biggest = 10**MAX_NUMBER_DIGITS - 1
    check_data({"n": biggest})
    (tmp_path / "ok.json").write_text(json.dumps({"n": biggest}))
    assert read_data(tmp_path / "ok.json") == {"n": biggest}
    with pytest.raises(InputError):
        check_data({"n": biggest + 1})
    (tmp_path / "big.json").write_text(json.dumps({"n": biggest + 1}))
    with pytest.raises(InputError):
        read_data(tmp_path / "big.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(json_values)
def test_plain_json_data_passes_and_serialises(value: Any) -> None:
    check_data(value)
    assert json.loads(canonical_json(value)) == value


@given(json_values | st.floats())
def test_the_reused_c_encoders_write_what_json_dumps_writes(value: Any) -> None:
    """`canonical_json` and `compact_json` keep one C encoder instead of building one per call: the text must
    be `json.dumps`'s, to the character, and NaN or infinity refused where the scheme refuses them."""
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    sort = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":"), "allow_nan": False}
    try:
        expected = json.dumps(value, **sort)
    except ValueError:
        with pytest.raises(ValueError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


def test_import_checks_the_export_like_any_other_data(running: Engine) -> None:
    with pytest.raises(InputError, match=r"\$\.events: nesting is deeper than 64 levels|deeper than"):
        running.import_case({"procflow_export": 1, "events": nested(10_000)})
