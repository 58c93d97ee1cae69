"""Moving cases: export/import between stores, migration between versions, listing and history."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from procflow import Engine, ProcessDefinition, Refusal, load, open_store
from procflow.cli import main
from procflow.runtime.transfer import MigrationRefused
from tests.conftest import APPROVER, AUDITOR, REQUESTER, seat

Copy = Callable[[str, str], Path]


def a_case(engine: Engine) -> str:
    case = engine.start("mini", REQUESTER, data={"team": "ops"})
    case = engine.submit(case, "request", {"item": "desk", "amount": 300}, REQUESTER)
    return engine.fire(case, "send", REQUESTER).id


def test_export_and_import_rebuild_the_same_case_in_another_store(running: Engine, tmp_path: Path) -> None:
    case_id = a_case(running)
    exported = json.loads(json.dumps(running.export_case(case_id)))  # through JSON, as a file would
    other = Engine(open_store(f"sqlite:///{tmp_path / 'other.db'}"))
    imported = other.import_case(exported)
    original = running.get(case_id)
    assert imported == original
    assert other.get(case_id) == original
    assert other.definition("mini").content_hash == original.definition_hash
    assert other.store.shared("mini")["policy"][0].data == {"limit": 1000}
    with pytest.raises(Refusal, match="already exists"):
        other.import_case(exported)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data.pop("events"), "damaged"),
        (lambda data: data.__setitem__("procflow_export", 9), "not a procflow case export"),
        (lambda data: data["definition"]["process"].__setitem__("title", "Forged"), "does not match its content hash"),
        (lambda data: data["events"][2].__setitem__("seq", 9), "damaged"),
    ],
    ids=["no-events", "unknown-format", "forged-definition", "broken-sequence"],
)
def test_a_damaged_export_is_refused_and_nothing_is_written(
    running: Engine, tmp_path: Path, damage: Callable[[dict[str, object]], object], message: str
) -> None:
    data = json.loads(json.dumps(running.export_case(a_case(running))))
    damage(data)
    other = Engine(open_store(f"sqlite:///{tmp_path / 'other.db'}"))
    with pytest.raises(Exception, match=message):
        other.import_case(data)
    assert other.store.case_ids() == []


def new_version(running: Engine, mini_copy: Copy, old: str, new: str) -> ProcessDefinition:
    return running.register(load(mini_copy(old, new)))


def renamed_review(mini_copy: Copy) -> Path:
    """A version of mini whose 'review' state is called 'checking' everywhere."""
    path = mini_copy("title: Purchase approval", "title: Purchase approval")
    path.write_text(path.read_text("utf-8").replace("review", "checking"), "utf-8")
    return path


def test_a_safe_migration_moves_the_case_and_is_recorded(
    running: Engine, mini: ProcessDefinition, mini_copy: Copy
) -> None:
    case_id = a_case(running)
    target = new_version(running, mini_copy, "title: Review\n", "title: Review by the approver\n")
    moved = running.migrate(case_id, target.content_hash, AUDITOR)
    assert moved.definition_hash == target.content_hash
    event = moved.history[-1]
    assert event.kind == "migrated" and dict(event.data or {})["from"] == mini.content_hash
    moved = running.submit(moved, "decision", {"approve": True}, APPROVER)
    assert running.fire(moved, "approve", APPROVER).state == "approved"


def test_a_migration_that_would_break_is_refused_unless_forced(running: Engine, mini_copy: Copy) -> None:
    case_id = a_case(running)
    target = running.register(load(renamed_review(mini_copy)))
    report = running.check_migration(case_id, target.content_hash)
    assert "its state 'review' does not exist in the target version" in report.problems
    with pytest.raises(MigrationRefused, match="cannot move"):
        running.migrate(case_id, target.content_hash, AUDITOR)
    assert running.get(case_id).definition_hash != target.content_hash
    forced = running.migrate(case_id, target.content_hash, AUDITOR, force=True)
    assert dict(forced.history[-1].data or {})["forced"] is True


def test_list_and_history_on_the_command_line(running: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR)
    engine.register(running.definition("mini"))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    sent, drafted = a_case(engine), engine.start("mini", REQUESTER).id

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        return main([*argv, "--db", url], out, io.StringIO()), out.getvalue()

    assert run("list", "--process", "mini", "--stage", "deciding")[1].splitlines()[1].split()[0] == sent
    assert run("list", "--process", "mini", "--role", "requester")[1].splitlines()[1].split()[0] == drafted
    code, out = run("history", sent)
    assert code == 0 and "rita (Requester) moved the case from Draft (draft) to Review (review) (send)" in out
    exported = tmp_path / "case.json"
    assert run("export", sent, "-o", str(exported))[0] == 0
    target = f"sqlite:///{tmp_path / 'target.db'}"
    out = io.StringIO()
    assert main(["import", str(exported), "--db", target], out, io.StringIO()) == 0
    assert "imported" in out.getvalue() and open_store(target).get(sent).state == "review"


def test_migrate_on_the_command_line_reports_and_refuses(running: Engine, mini_copy: Copy, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = seat(Engine(open_store(url)), REQUESTER, APPROVER, AUDITOR)
    engine.register(running.definition("mini"))
    engine.publish("mini", "policy", {"limit": 1000}, AUDITOR)
    case_id = a_case(engine)
    target = engine.register(load(renamed_review(mini_copy)))
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", case_id, "--to", target.content_hash[:10], "--as", "aude:auditor", "--db", url], out, err)
    assert code == 3 and "would break: its state 'review' does not exist" in out.getvalue()
    code = main(
        [
            "migrate",
            "--all",
            "--process",
            "mini",
            "--to",
            target.content_hash[:10],
            "--force",
            "--as",
            "aude:auditor",
            "--db",
            url,
        ],
        io.StringIO(),
        io.StringIO(),
    )
    assert code == 0 and open_store(url).get(case_id).definition_hash == target.content_hash
