"""A definition read from a git revision (`REV:path`), on a real temporary repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from procflow.definition.loader import load
from procflow.definition.revisions import is_revision_spec, load_revision
from procflow.errors import InputError, UsageError
from tests.conftest import MINI


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the mini process tree in two commits: as shipped, then with one title changed."""
    import shutil

    root = tmp_path / "repo"
    for name in ("processes", "schemas", "doc_templates"):
        shutil.copytree(MINI.parent.parent / name, root / name)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "as shipped")
    yaml = root / "processes" / "mini.yaml"
    yaml.write_text(yaml.read_text("utf-8").replace("title: Draft\n", "title: Draft request\n"), "utf-8")
    git(root, "commit", "-q", "-am", "retitled")
    return root


def test_each_revision_gives_the_definition_as_it_was_then(repo: Path) -> None:
    old = load_revision("HEAD~1:processes/mini.yaml", cwd=repo)
    new = load_revision("HEAD:processes/mini.yaml", cwd=repo)
    assert old.content_hash == load(MINI).content_hash
    assert new.content_hash == load(repo / "processes" / "mini.yaml").content_hash != old.content_hash
    assert (old.states["draft"].title.get(), new.states["draft"].title.get()) == ("Draft", "Draft request")


def test_uncommitted_edits_are_not_read(repo: Path) -> None:
    yaml = repo / "processes" / "mini.yaml"
    yaml.write_text("not: [a process", "utf-8")
    assert load_revision("HEAD:processes/mini.yaml", cwd=repo).states["draft"].title.get() == "Draft request"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nope:processes/mini.yaml", "git cannot read revision 'nope': not a valid object name: nope"),
        ("HEAD:processes/none.yaml", "there is no processes/none.yaml in revision HEAD"),
        ("HEAD:processes", "there is no processes in revision HEAD"),
        ("HEAD:../outside.yaml", "there is no ../outside.yaml in revision HEAD"),
    ],
    ids=["unknown-revision", "missing-path", "a-folder", "outside-the-tree"],
)
def test_a_bad_revision_or_path_is_an_input_error_naming_the_spec(repo: Path, spec: str, message: str) -> None:
    (repo.parent / "outside.yaml").write_text("procflow: 1\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_revision(spec, cwd=repo)
    assert info.value.message.startswith(f"{spec}: ") and message in info.value.message


def test_outside_a_repository_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not inside a git repository, so there is no revision 'HEAD'"):
        load_revision("HEAD:processes/mini.yaml", cwd=tmp_path)


@pytest.mark.parametrize("spec", ["HEAD:", ":processes/mini.yaml", "--output=x:processes/mini.yaml"])
def test_a_malformed_spec_is_a_usage_error_and_never_reaches_git_as_an_option(repo: Path, spec: str) -> None:
    with pytest.raises(UsageError, match="write REV:path"):
        load_revision(spec, cwd=repo)
    assert not (repo / "x").exists()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("main:processes/sales.yaml", True), ("v1.2:x.yaml", True), ("sales@1", False), ("sales@ab12:x", False)],
)
def test_which_specs_read_as_revisions(spec: str, expected: bool) -> None:
    assert is_revision_spec(spec) is expected
