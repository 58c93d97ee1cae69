"""A newcomer's start: the shipped processes, `procflow init`, resource folders set per file or on the command
line, the version, `python -m`, shell completion, PostgreSQL as an optional extra."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import procflow
from procflow import load, shipped
from procflow.errors import InputError, StoreError
from procflow.project import init_project, shipped_processes
from procflow.store import open_store
from tests.conftest import PROCESSES, ROOT, Run


def test_shipped_folders_are_the_repository_folders_in_a_clone() -> None:
    for name in shipped.FOLDERS:
        assert shipped.folder(name).resolve() == (ROOT / name).resolve()
    assert shipped.process_file("sales").name == "sales.yaml"


def test_an_unknown_shipped_process_lists_the_known_ones() -> None:
    known = ", ".join(sorted(path.stem for path in (ROOT / "processes").glob("*.yaml")))
    with pytest.raises(InputError, match=rf"ships no process 'sails'; it ships: {known}$"):
        shipped.process_file("sails")


def test_init_writes_a_project_whose_processes_load(tmp_path: Path) -> None:
    target = tmp_path / "team"
    shipped_ids = sorted(path.stem for path in (ROOT / "processes").glob("*.yaml"))
    assert init_project(target) == shipped_processes() == shipped_ids
    for process_id in shipped_ids:
        definition = load(target / "processes" / f"{process_id}.yaml")
        assert definition.id == process_id
        assert (target / "processes" / process_id / "scenarios").is_dir()
    assert (target / "schemas" / "process.schema.json").read_bytes() == (
        ROOT / "schemas/process.schema.json"
    ).read_bytes()
    readme = (target / "README.md").read_text("utf-8")
    assert ", ".join(shipped_ids) in readme and "procflow validate" in readme
    assert oct(target.stat().st_mode & 0o777) == "0o755"


def test_init_of_one_process_copies_only_its_files(tmp_path: Path) -> None:
    init_project(tmp_path / "t", ["complaint"])
    assert sorted(p.name for p in (tmp_path / "t" / "processes").iterdir()) == ["complaint", "complaint.yaml"]
    assert not (tmp_path / "t" / "schemas" / "sales").exists()


def test_init_refuses_a_folder_in_use_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="already exists and is not an empty folder"):
        init_project(tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]
    with pytest.raises(InputError, match="ships no process 'nope'"):
        init_project(tmp_path / "new", ["nope"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_schemas_and_templates_keys_are_relative_to_the_file(tmp_path: Path) -> None:
    """A copied sales.yaml finds its resources through its own keys, wherever the folders are."""
    (tmp_path / "flow").mkdir()
    shutil.copytree(ROOT / "schemas", tmp_path / "flow" / "my-schemas")
    shutil.copytree(ROOT / "doc_templates", tmp_path / "flow" / "my-templates")
    text = (PROCESSES / "sales.yaml").read_text("utf-8")
    copied = tmp_path / "flow" / "sales.yaml"
    copied.write_text(text.replace("procflow: 1\n", "procflow: 1\nschemas: my-schemas\ntemplates: my-templates\n", 1))
    definition = load(copied)
    assert definition.templates == load(PROCESSES / "sales.yaml").templates


def test_a_copied_file_without_keys_says_where_it_looked(tmp_path: Path) -> None:
    copied = tmp_path / "sales.yaml"
    shutil.copy(PROCESSES / "sales.yaml", copied)
    with pytest.raises(Exception, match=r"schema file .*schemas/sales/lead_record.schema.json: no such file"):
        load(copied)


def test_command_line_folders_win_over_the_file(run: Run, tmp_path: Path) -> None:
    copied = tmp_path / "alone.yaml"
    shutil.copy(PROCESSES / "complaint.yaml", copied)
    code, out, _ = run("validate", str(copied))
    assert code == 1 and "no such file" in out
    folders = ["--schemas", str(ROOT / "schemas"), "--templates", str(ROOT / "doc_templates")]
    code, out, _ = run("validate", str(copied), *folders)
    assert (code, out.count(": ok (complaint@")) == (0, 1)
    assert run("show", str(copied), *folders)[0] == 0


def test_a_shipped_process_is_named_by_its_id(run: Run) -> None:
    code, out, _ = run("validate", "sales")
    assert code == 0 and "ok (sales@1.0#" in out
    code, out, _ = run("graph", "complaint")
    assert code == 0 and out.startswith("flowchart")
    known = ", ".join(sorted(path.stem for path in (ROOT / "processes").glob("*.yaml")))
    assert run("show", "nope")[2] == f"procflow: error: procflow ships no process 'nope'; it ships: {known}\n"


def test_init_on_the_command_line(run: Run, tmp_path: Path) -> None:
    code, out, _ = run("init", "team", "--process", "sales")
    assert code == 0 and "wrote team/ with sales" in out
    code, out, _ = run("validate", str(tmp_path / "team/processes/sales.yaml"))
    assert code == 0
    assert run("init", "team")[0] == 2


def test_version_everywhere(run: Run) -> None:
    assert procflow.__version__ and procflow.__version__[0].isdigit()
    assert run("--version")[1] == f"procflow {procflow.__version__} (Python {sys.version.split()[0]})\n"
    result = subprocess.run([sys.executable, "-m", "procflow", "--version"], capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith(f"procflow {procflow.__version__}")


def test_python_dash_m_runs_a_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "procflow", "validate", str(PROCESSES / "complaint.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and "ok (complaint@" in result.stdout


def test_the_package_is_typed() -> None:
    assert (Path(procflow.__file__).parent / "py.typed").is_file()


def test_bash_completion_offers_every_command_and_its_options(run: Run) -> None:
    code, script, _ = run("completion", "bash")
    assert code == 0
    bash = shutil.which("bash")
    if bash is None:  # pragma: no cover - every CI image has bash
        pytest.skip("no bash")
    probe = script + '\nCOMP_WORDS=(procflow "$1" "$2"); COMP_CWORD=$3; _procflow; printf "%s\\n" "${COMPREPLY[@]}"\n'

    def complete(*words: str) -> list[str]:
        argv = [bash, "-c", probe, "bash", words[0], words[1] if len(words) > 1 else "", str(len(words))]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout.split()

    assert complete("han") == ["handbook"]
    assert {"init", "demo", "report", "completion"} <= set(complete(""))
    assert complete("report", "--fr") == ["--from"]
    assert "--schemas" in complete("validate", "--")


def test_a_postgresql_url_without_psycopg_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from procflow.store import open_store\n"
        "from procflow.errors import StoreError\n"
        "try:\n    open_store('postgresql://nobody@127.0.0.1:1/x')\n"
        "except StoreError as exc:\n    print(exc.message)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "install the postgres extra: pip install 'procflow[postgres]'" in result.stdout, result.stderr


def test_sqlite_commands_do_not_import_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom procflow.cli import main\n"
        f"main(['list', '--db', 'sqlite:///{tmp_path / 'x.db'}'])\n"
        "print('psycopg' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("False"), result.stderr


def test_a_postgresql_store_still_opens_with_the_extra() -> None:
    with pytest.raises(StoreError) as raised:  # installed here: the real store is tried, and refuses the bad port
        open_store("postgresql://nobody@127.0.0.1:1/x?connect_timeout=1")
    assert "extra" not in raised.value.message


def test_init_into_an_unusable_place_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("not a folder")
    with pytest.raises(InputError, match="cannot create"):
        init_project(tmp_path / "file.txt" / "team")
