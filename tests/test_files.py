"""Files a user names are read only if they are regular files, and never past a size bound."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from procflow.definition.loader import check, load
from procflow.errors import InputError, UnreadableFile
from procflow.files import MAX_FILE_BYTES, read_bounded
from tests.conftest import MINI, Run

pytestmark = pytest.mark.timeout(60)  # a FIFO read without the guard blocks forever


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    yield path


@pytest.fixture(params=["dev-zero", "fifo", "directory", "huge"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A path that must be refused: an endless device, a FIFO nobody writes to, a directory, a huge file."""
    path = tmp_path / "hostile.json"
    if request.param == "dev-zero":
        path.symlink_to("/dev/zero")
    elif request.param == "fifo":
        os.mkfifo(path)
    elif request.param == "directory":
        path.mkdir()
    else:
        with path.open("wb") as handle:
            handle.truncate(4 * MAX_FILE_BYTES)  # sparse: costs no disk
    return path


def test_read_bounded_reads_a_regular_file_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_bytes(b"x" * MAX_FILE_BYTES)
    assert len(read_bounded(path)) == MAX_FILE_BYTES
    path.write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(UnreadableFile, match="larger than the 1048576 bytes allowed"):
        read_bounded(path)


def test_read_bounded_refuses_what_is_not_a_regular_file(hostile: Path) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_bounded(hostile)
    assert caught.value.exit_code == 2
    assert str(hostile) in caught.value.message
    assert any(phrase in caught.value.reason for phrase in ("not a regular file", "a directory", "larger than the"))


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "{bad}"],
        ["graph", "{bad}"],
        ["handbook", "{bad}", "-o", "h.html"],
        ["start", "{bad}", "--as", "rita:requester"],
        ["start", str(MINI), "--as", "rita:requester", "--data", "{bad}"],
        ["submit", "c1", "request", "{bad}", "--as", "rita:requester"],
        ["publish", "mini", "policy", "{bad}", "--as", "aude:auditor"],
        ["import", "{bad}"],
        ["simulate", "{bad}", "{bad}"],
        ["simulate", str(MINI), "{bad}"],
        ["diff", "{bad}", str(MINI)],
    ],
    ids=lambda argv: argv[0] if "--data" not in argv else "start-data",
)
def test_every_command_refuses_a_hostile_file_cleanly(run: Run, hostile: Path, argv: list[str]) -> None:
    if argv[0] in ("submit", "publish"):
        assert run("start", str(MINI), "--as", "rita:requester", "--id", "c1")[0] == 0
    code, _out, err = run(*(str(hostile) if a == "{bad}" else a for a in argv))
    assert code == 2, err
    assert err.startswith("procflow: error: ") and "internal error" not in err
    assert len(err) < 400


@pytest.mark.parametrize("which", ["schema", "template"])
def test_a_schema_or_template_that_is_a_device_or_fifo_is_a_load_problem(
    mini_copy: Callable[[str, str], Path], which: str
) -> None:
    process = mini_copy("title: Purchase approval", "title: Purchase approval ")
    root = process.parent.parent
    target = root / ("schemas/mini/request.schema.json" if which == "schema" else "doc_templates/mini/request.md.j2")
    target.unlink()
    os.mkfifo(target)
    result = check(process)
    [problem] = [p for p in result.errors if "not a regular file" in p.message]
    assert problem.path == f"documents.request.{which}"
    target.unlink()
    target.symlink_to("/dev/zero")  # it resolves outside its folder, so it is not there as far as we care
    [problem] = [p for p in check(process).errors if p.path == f"documents.request.{which}"]
    assert "no such file" in problem.message


def test_a_process_file_that_is_a_fifo_is_an_input_error(fifo: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load(fifo)
