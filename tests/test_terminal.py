"""Terminals that cannot show Chinese and arguments that are not UTF-8: replaced or refused, never a crash."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from procflow.cli import main
from tests.conftest import MINI, PROCESSES


def ascii_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="ascii")


def text_of(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("ascii")


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCFLOW_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)


def test_chinese_output_to_an_ascii_terminal_is_replaced_not_a_crash() -> None:
    out, err = ascii_stream(), ascii_stream()
    assert main(["show", str(PROCESSES / "sales.yaml")], out, err) == 0
    shown = text_of(out)
    assert "sales" in shown and "?" in shown
    assert text_of(err) == ""


def test_an_error_message_in_chinese_reaches_an_ascii_terminal(tmp_path: Path) -> None:
    out, err = ascii_stream(), ascii_stream()
    assert main(["status", "案例-1"], out, err) == 4  # no such case
    assert "procflow: error:" in text_of(err) and "?" in text_of(err)


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "c\udcff"],
        ["history", "\udcfe\udcff"],
        ["fire", "c1", "s\udce9nd", "--as", "rita:requester"],
        ["start", "mini", "--as", "r\udcffta:requester"],
        ["validate", "no-such-\udcff.yaml"],
    ],
    ids=["status", "history", "fire-trigger", "actor", "missing-file"],
)
def test_an_argument_that_is_not_utf8_is_refused_with_exit_2(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 2
    message = err.getvalue()
    assert message.startswith("procflow: error: argument ") and "is not valid UTF-8" in message
    assert "\\x" in message and "internal error" not in message


def test_a_file_whose_name_is_not_utf8_is_read_and_named_escaped(tmp_path: Path) -> None:
    for name in ("processes", "schemas", "doc_templates"):
        shutil.copytree(MINI.parent.parent / name, tmp_path / name)
    odd = os.fsdecode(b"processes/mini-\xe9.yaml")
    shutil.copy(tmp_path / "processes" / "mini.yaml", odd)
    out, err = ascii_stream(), ascii_stream()
    assert main(["validate", odd], out, err) == 0
    assert "ok (mini@1#" in text_of(out)
