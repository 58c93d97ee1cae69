"""A stored definition's source check, remembered on disk: skipped only for the exact text, process and reader code
it was made for, never trusted when the entry is corrupt, and off when caching is off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from procflow import ProcessDefinition, disk_cache
from procflow.definition import reader
from procflow.definition.bundle import from_bundle, to_bundle
from procflow.errors import DefinitionError


@pytest.fixture
def bundle(mini: ProcessDefinition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return json.loads(json.dumps(to_bundle(mini)))


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> object:
        raise AssertionError("the source text was parsed again")

    monkeypatch.setattr(reader, "read_yaml", refuse)


def test_the_second_read_skips_the_parse_and_rebuilds_the_same_definition(
    bundle: dict[str, Any], mini: ProcessDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert from_bundle(bundle) == mini
    _no_parsing(monkeypatch)
    assert from_bundle(bundle) == mini


def test_an_edited_source_text_is_checked_again_and_refused(
    bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from_bundle(bundle)
    bundle["source_text"] = bundle["source_text"].replace("title:", "title: x", 1)
    with pytest.raises(DefinitionError, match="source text does not match"):
        from_bundle(bundle)


def test_a_corrupt_or_foreign_entry_is_not_trusted(bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from_bundle(bundle)
    folder = disk_cache.folder("sources")
    assert folder is not None
    [entry] = list(folder.iterdir())
    for written in ("{half", "false", '"yes"'):
        entry.write_text(written)
        assert from_bundle(bundle) is not None  # checked again, and remembered again
        assert json.loads(entry.read_text()) is True


def test_changed_reader_code_misses_the_entry(bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from_bundle(bundle)
    monkeypatch.setattr(disk_cache, "code_fingerprint", lambda *files: "a newer reader")
    parsed: list[bool] = []
    real = reader.read_yaml
    monkeypatch.setattr(reader, "read_yaml", lambda *a: parsed.append(True) or real(*a))
    from_bundle(bundle)
    assert parsed == [True]


def test_nothing_is_remembered_when_caching_is_off(bundle: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCFLOW_CACHE_DIR", "off")
    from_bundle(bundle)
    parsed: list[bool] = []
    real = reader.read_yaml
    monkeypatch.setattr(reader, "read_yaml", lambda *a: parsed.append(True) or real(*a))
    from_bundle(bundle)
    assert parsed == [True]
