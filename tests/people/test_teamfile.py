"""Team files (YAML or CSV): imported whole, or refused whole with every bad row and column named."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procflow import Engine, ProcessDefinition
from procflow.cli import main
from procflow.errors import TeamFileInvalid
from procflow.people.teamfile import read_team, team_drafts
from procflow.store import Store
from tests.conftest import PROCESSES

TEAM = PROCESSES / "sales" / "team.yaml"


@pytest.fixture
def selling(engine: Engine, sales: ProcessDefinition) -> Engine:
    engine.register(sales)
    return engine


def _import(engine: Engine, path: Path) -> int:
    team = engine.team
    roster = engine.directory.roster()
    return len(
        team.change("cast-admin", team_drafts(read_team(path), roster, team.roles or (), str(path)), engine.clock.now())
    )


def test_the_demo_team_imports_with_grants_lines_and_a_cover(selling: Engine) -> None:
    assert _import(selling, TEAM) > 20
    roster = selling.directory.roster()
    assert roster.people["li_na"].name == "李娜" and roster.people["anna"].timezone == "Europe/Berlin"
    assert roster.managers["zhao_lei"] == "wang_min" and "li_na" in roster.reports("zhou_qiang")
    assert any(s.substitute == "sun_mei" and s.absent == "zhao_lei" for s in roster.substitutes.values())
    assert _import(selling, TEAM) == 0  # importing it again changes nothing


def test_a_csv_team_file_imports_too(selling: Engine, tmp_path: Path) -> None:
    csv = tmp_path / "team.csv"
    csv.write_text(
        "id,name,email,timezone,reports_to,roles\n"
        "mei,孙梅,mei@x.example,Asia/Shanghai,,bd_specialist;legal@sales@2026-01-01..2026-12-31\n"
        "tao,吴涛,,,mei,account_manager\n",
        "utf-8",
    )
    _import(selling, csv)
    roster = selling.directory.roster()
    legal = next(g for g in roster.grants_of("mei") if g.role == "legal")
    assert (legal.process, str(legal.valid_from), str(legal.valid_to)) == ("sales", "2026-01-01", "2026-12-31")
    assert roster.managers["tao"] == "mei"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "people:\n  - {id: a, roles: [legal]}\n  - {id: a}\n",
            ["row 2, column 'id': duplicate id 'a' (first on row 1)"],
        ),
        ("people:\n  - {id: a, roles: [astronaut]}\n", ["row 1, column 'roles': unknown role 'astronaut'"]),
        (
            "people:\n  - {id: a, roles: [{role: legal, from: 2026-13-01}]}\n  - {id: b, timezone: Mars/Base}\n",
            [
                "row 1, column 'roles': '2026-13-01' is not a date",
                "row 2, column 'timezone': 'Mars/Base' is not a time zone",
            ],
        ),
        ("people:\n  - {name: nobody}\n", ["row 1, column 'id': every person needs an id"]),
    ],
)
def test_a_bad_team_file_is_refused_whole_with_row_and_column(
    selling: Engine, store: Store, tmp_path: Path, text: str, problems: list[str]
) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("people:\n  - {id: ok_person, roles: [legal]}\n" + text.removeprefix("people:\n"), "utf-8")
    before = len(store.directory_events())
    with pytest.raises(TeamFileInvalid) as info:
        _import(selling, path)
    for problem in problems:
        shifted = problem.replace("row 1,", "row #1,").replace("row 2,", "row 3,").replace("row #1,", "row 2,")
        shifted = shifted.replace("first on row 1", "first on row 2")
        assert shifted in info.value.message
    assert "nothing was imported" in info.value.message
    assert len(store.directory_events()) == before


def test_the_team_on_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        return main([*argv, "--db", db], out, err), out.getvalue(), err.getvalue()

    assert run("team", "init", "boss", "--name", "Boss")[0] == 0
    code, _, err = run("team", "import", str(TEAM), "--process", str(PROCESSES / "sales.yaml"), "--as", "li_na")
    assert code == 3 and "no person 'li_na' in the team directory" in err  # nobody yet but the boss
    assert run("team", "import", str(TEAM), "--process", str(PROCESSES / "sales.yaml"), "--as", "boss")[0] == 0
    assert run("team", "grant", "sun_mei", "legal", "--from", "2026-04-01", "--as", "boss")[0] == 0
    code, out, _ = run("team", "show", "sun_mei")
    assert "marketing" in out and "legal for" not in out and "2026-04-01 to …" in out and "covers zhao_lei" in out
    assert run("team", "revoke", "sun_mei", "legal", "--as", "boss")[0] == 0
    assert "legal" not in run("team", "show", "sun_mei")[1]
    code, out, _ = run("team", "list")
    assert code == 0 and "wang_min" in out and "sales_manager" in out
    assert (
        run(
            "team",
            "substitute",
            "zhao_lei",
            "--for",
            "zhao_lei",
            "--from",
            "2026-05-01",
            "--to",
            "2026-05-02",
            "--as",
            "boss",
        )[0]
        == 3
    )
    code, _, err = run("start", str(PROCESSES / "sales.yaml"), "--as", "ghost")
    assert code == 3 and "no person 'ghost' in the team directory" in err
    code, _, err = run("start", "sales", "--as", "li_na:bd_specialist")
    assert code == 3 and "missing grant: li_na as 'bd_specialist' for 'sales'" in err
    code, out, _ = run("start", "sales", "--as", "zhao_lei", "--id", "lead-1")
    assert code == 0 and out.strip() == "lead-1"
    assert run("team", "leave", "zhao_lei", "--as", "boss")[1].startswith(
        "zhao_lei has left; 1 open case(s) reassigned"
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True),
            st.lists(st.sampled_from(["legal", "finance", "bd_specialist"]), unique=True, max_size=3),
            st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))),
        ),
        max_size=6,
        unique_by=lambda row: row[0],
    )
)
def test_any_well_formed_csv_row_reads_back_as_written(rows: list[tuple[str, list[str], date | None]]) -> None:
    lines = ["id,name,roles"]
    for pid, roles, start in rows:
        specs = [f"{role}@sales@{start.isoformat()}.." if start else role for role in roles]
        lines.append(f"{pid},{pid.upper()},{';'.join(specs)}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "team.csv"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        people = read_team(path)["people"]
    assert [p["id"] for p in people] == [pid for pid, _, _ in rows]
    for entry, (_, roles, start) in zip(people, rows, strict=True):
        expected = [
            {"role": r, "process": "sales", "from": start.isoformat(), "to": None} if start else r for r in roles
        ]
        assert entry["roles"] == expected
