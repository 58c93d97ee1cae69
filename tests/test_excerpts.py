"""Messages quote a short excerpt of what they refuse: no flood, no leak of a file never meant to be shown."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Engine
from procflow.cli import main
from procflow.definition.loader import check
from procflow.definition.reader import read_yaml
from procflow.errors import DefinitionError
from procflow.store import open_store
from tests.conftest import MINI, REQUESTER, seat

SECRETS = [f"{user}:$6${secrets.token_hex(40)}:19000:0:99999:7:::" for user in ("root", "daemon", "alice") * 30]


def shadow(tmp_path: Path, name: str = "shadow") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(SECRETS) + "\n", "utf-8")
    return path


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue() + err.getvalue()


def leaked(text: str) -> list[str]:
    """Secrets (the hash part of a line) that appear whole in `text`."""
    return [line for line in SECRETS if line.split("$")[2].split(":")[0] in text]


def test_validate_on_a_password_file_says_what_it_is_not_what_it_holds(tmp_path: Path) -> None:
    code, text = run("validate", str(shadow(tmp_path)))
    assert code == 1
    assert text.count("\n") == 1 and "this is not a procflow process file" in text
    assert "$6$" not in text


@pytest.mark.parametrize("name", ["shadow.yaml", "shadow"])
def test_submit_of_a_password_file_quotes_no_secret_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("PROCFLOW_DB", url)
    seat(Engine(open_store(url)), REQUESTER).store.close()
    assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    code, text = run("submit", "c1", "request", str(shadow(tmp_path, name)), "--as", "rita:requester")
    assert code == 3
    assert leaked(text) == []
    assert len(text) < 1000 and "and 87 more" in text


def test_a_one_line_text_file_as_a_document_is_quoted_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("PROCFLOW_DB", url)
    seat(Engine(open_store(url)), REQUESTER).store.close()
    assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    (tmp_path / "one.yaml").write_text(f"'{','.join(SECRETS)}'", "utf-8")  # one long string
    code, text = run("submit", "c1", "request", str(tmp_path / "one.yaml"), "--as", "rita:requester")
    assert code == 3 and "is not of type 'object'" in text
    assert leaked(text) == [] and len(text) < 400


def test_a_huge_guard_is_quoted_short(mini_copy: Callable[[str, str], Path]) -> None:
    guard = "not documents.decision.approve" + " and 1 == 1" * 10_000
    path = mini_copy("guard: not documents.decision.approve", f"guard: {guard}")
    [problem] = check(path).errors
    assert "is too long" in problem.message and "(110030 long)" in problem.message
    assert len(str(problem)) < 400


def test_a_huge_unknown_key_is_quoted_short_in_message_and_path(mini_copy: Callable[[str, str], Path]) -> None:
    key = "k" * 1000  # YAML allows simple keys up to 1024 characters
    path = mini_copy("locale: en\n", f"locale: en\n{key}: 1\n")
    problem = next(p for p in check(path).errors if "unknown key" in p.message)
    assert len(str(problem)) < 600 and key not in str(problem)


@pytest.mark.parametrize(
    ("raw", "where"),
    [(b"procflow: 1\nid: mi\x00ni\n", (2, 7)), (b"\x00", (1, 1)), (b"a: 1\nb: 2\n  c: \x01x\n", (3, 6))],
    ids=["nul-in-value", "nul-first", "control-character"],
)
def test_a_nul_or_control_byte_is_reported_at_its_place_on_one_line(raw: bytes, where: tuple[int, int]) -> None:
    with pytest.raises(DefinitionError) as caught:
        read_yaml(raw, "f.yaml")
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == where
    assert "\n" not in str(problem)
    assert "is not allowed in a YAML file" in problem.message
