"""Evidence packs: written from a store, re-checked with no database, and every kind of bad bundle named."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from procflow import Engine, FixedClock, open_store
from procflow.chain import GENESIS, event_digest
from procflow.cli.main import main
from procflow.evidence import keys, signing
from procflow.evidence.bundle_check import verify_bundle
from procflow.scenario import read_scenario, run_scenario
from procflow.store.records import event_from_dict, event_to_dict
from tests.conftest import PROCESSES


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def won(tmp_path: Path, keypair: tuple[Path, Path]) -> tuple[str, str]:
    """A store holding the 'won' sales scenario's case, signed; returns (store URL, case id)."""
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml")
    clock = FixedClock(datetime.fromisoformat(scenario["start"]))
    engine = Engine(open_store(url), clock=clock)
    from procflow import load

    engine.register(load(PROCESSES / "sales.yaml"))
    result = run_scenario(scenario, engine, clock, "sales")
    assert result.case is not None and not result.failures
    signing.sign_checkpoint(engine.store, clock.now(), keys.load_private(keypair[0]))
    return url, result.case.id


@pytest.fixture
def pack(won: tuple[str, str], tmp_path: Path) -> Path:
    url, case_id = won
    code, out, _ = run("audit", case_id, "--db", url, "--bundle", str(tmp_path / "case.zip"))
    assert code == 0 and "wrote" in out
    return tmp_path / "case.zip"


def test_a_pack_holds_the_record_and_verifies_with_no_database(
    pack: Path, won: tuple[str, str], keypair: tuple[Path, Path]
) -> None:
    Path(won[0].removeprefix("sqlite:///")).unlink()  # no database from here on
    with zipfile.ZipFile(pack) as archive:
        names = archive.namelist()
        grants = json.loads(archive.read("grants.json"))
    assert names[0] == "manifest.json" and "events.json" in names and "checkpoint/statement.json" in names
    assert any(n.startswith("documents/") for n in names) and any(n.endswith(".yaml") for n in names)
    assert [n for n in names if n.startswith("calendar/")], "the sales calendar's working-day table"
    assert {"seq", "actor", "role", "grant"} <= set(grants["events"][0])
    code, out, _ = run("verify-bundle", str(pack), "--trust", str(keypair[1]))
    assert code == 0 and out.startswith(f"ok: case {won[1]}"), out


def _rewrite(pack: Path, change: Callable[[dict[str, bytes]], None], *, remanifest: bool) -> None:
    """Rewrite the zip's files through `change`; with `remanifest`, make the manifest match again."""
    with zipfile.ZipFile(pack) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    change(files)
    if remanifest:
        manifest = json.loads(files["manifest.json"])
        manifest["files"] = {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
            for n, b in files.items()
            if n != "manifest.json"
        }
        files["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(pack, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def _edit_json(name: str, edit: Callable[[Any], None]) -> Callable[[dict[str, bytes]], None]:
    def change(files: dict[str, bytes]) -> None:
        value = json.loads(files[name])
        edit(value)
        files[name] = json.dumps(value, ensure_ascii=False).encode()

    return change


def _rechain(events: list[dict[str, Any]]) -> None:
    """Rewrite event 3's actor and recompute every hash: the chain holds, the signed head does not."""
    events[2]["actor"] = "mallory"
    previous = GENESIS
    for row in events:
        row["prev_hash"], row["hash"] = previous, None
        row["hash"] = previous = event_digest(event_from_dict(row))
    events[:] = [event_to_dict(event_from_dict(r)) for r in events]


def _first_document(files: dict[str, bytes]) -> str:
    return sorted(n for n in files if n.startswith("documents/"))[0]


CASES: dict[str, tuple[Callable[[dict[str, bytes]], None], bool, str]] = {
    "changed": (_edit_json("events.json", lambda e: e[1].update(actor="mallory")), False,
                "events.json: changed (its SHA-256 differs from the manifest's)"),
    "removed": (lambda f: f.pop("grants.json"), False,
                "grants.json: listed in the manifest but absent from the bundle (removed)"),
    "added": (lambda f: f.update({"extra.txt": b"hello"}), False,
              "extra.txt: in the bundle but not in the manifest (added)"),
    "edited-with-manifest": (_edit_json("events.json", lambda e: e[1].update(actor="mallory")), True,
                             "events.json: case {case}: event 2 ({second}) was changed after it was recorded"),
    "rechained": (_edit_json("events.json", _rechain), True,
                  "events.json: event {last} is not the head signed in checkpoint 1"),
    "document": (lambda f: f.update({_first_document(f): json.dumps({"data": {"x": 1}}).encode()}), True,
                 "its content does not hash to the document hash event"),
    "definition": (lambda f: _edit_json(next(n for n in f if n.endswith(".json") and n.startswith("definitions/")),
                                        lambda d: d["process"].update(version="9"))(f), True,
                   "its content does not hash to"),
    "calendar": (lambda f: _edit_json(next(n for n in f if n.startswith("calendar/")),
                                      lambda t: t["years"]["2026"]["off"].pop())(f), True,
                 "its content does not hash to its name"),
    "statement": (lambda f: f.update({"checkpoint/signature.b64": b"AAAA"}), True,
                  "checkpoint/statement.json: the signature does not match its statement"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(CASES), ids=list(CASES))
def test_a_bad_bundle_gets_a_verdict_naming_the_first_bad_item(
    pack: Path, won: tuple[str, str], keypair: tuple[Path, Path], kind: str
) -> None:
    change, remanifest, message = CASES[kind]
    with zipfile.ZipFile(pack) as archive:
        events = json.loads(archive.read("events.json"))
        last, second = len(events), events[1]["kind"]
    _rewrite(pack, change, remanifest=remanifest)
    verdict = verify_bundle(pack, [keys.load_public(keypair[1])])
    assert not verdict.ok
    assert message.format(case=won[1], last=last, second=second) in verdict.problems[0], verdict.problems
    code, out, _ = run("verify-bundle", str(pack), "--trust", str(keypair[1]))
    assert code == 1 and out.rstrip().endswith(f"NOT SOUND: {pack}")


def test_an_unknown_key_a_truncated_zip_a_bomb_and_a_traversal(
    pack: Path, keypair: tuple[Path, Path], second_keypair: tuple[Path, Path], tmp_path: Path
) -> None:
    stranger = [keys.load_public(second_keypair[1])]
    assert "which is not trusted" in verify_bundle(pack, stranger).problems[0]
    truncated = tmp_path / "short.zip"
    truncated.write_bytes(pack.read_bytes()[: pack.stat().st_size // 2])
    assert "not a complete zip file" in verify_bundle(truncated, stranger).problems[0]
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", b"\0" * (20 << 20))
    assert "a zip bomb?" in verify_bundle(bomb, stranger).problems[0]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../etc/cron.d/x", b"boom")
    assert verify_bundle(evil, stranger).problems == [
        "'../../etc/cron.d/x': unsafe path inside the bundle (absolute, '..' or odd name)"
    ]
    assert not (tmp_path.parent.parent / "etc").exists()


def test_a_bundle_needs_a_signed_checkpoint(tmp_path: Path, won: tuple[str, str]) -> None:
    url, case_id = won
    from tests.evidence.test_signing import sql

    sql(open_store(url), "DELETE FROM signed_checkpoints")
    code, _, err = run("audit", case_id, "--db", url, "--bundle", str(tmp_path / "x.zip"))
    assert code == 4 and f"no signed checkpoint covers case {case_id} yet" in err
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "x.zip.tmp").exists()


def test_the_auditors_standalone_script_agrees(pack: Path, keypair: tuple[Path, Path]) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = str(ROOT / "docs" / "verify_bundle.py")
    good = subprocess.run([sys.executable, script, str(pack), str(keypair[1])], capture_output=True, text=True)
    assert good.returncode == 0 and good.stdout.startswith("OK: case "), good.stderr
    _rewrite(pack, _edit_json("events.json", _rechain), remanifest=True)
    bad = subprocess.run([sys.executable, script, str(pack), str(keypair[1])], capture_output=True, text=True)
    assert bad.returncode == 1 and "is not the head signed in checkpoint 1" in bad.stderr
