"""The sales review: figures from the history, CSV and JSON, and an HTML page with inline SVG charts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from procflow import Engine, FixedClock, ProcessDefinition, open_store
from procflow.cli import main
from procflow.scenario import read_scenario, run_scenario
from tests.conftest import PROCESSES, headless_browser
from tests.review_data import review_store

REPORT = ("report", "--from", "2026-01-01", "--to", "2027-01-01", "--now", "2027-01-01T00:00+00:00")


@pytest.fixture(scope="module")
def review_db(tmp_path_factory: pytest.TempPathFactory, sales: ProcessDefinition) -> str:
    return review_store(tmp_path_factory.mktemp("review"), sales, 400)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out, io.StringIO()), out.getvalue()


def test_the_figures_add_up(review_db: str) -> None:
    code, out = run(
        "report",
        "--db",
        review_db,
        "--from",
        "2026-01-01",
        "--to",
        "2027-01-01",
        "--format",
        "json",
        "--now",
        "2027-01-01T00:00+00:00",
    )
    data = json.loads(out)
    assert code == 0 and data["cases"] == 400
    [version] = data["versions"]
    funnel = {f["position"]: f for f in version["funnel"]}
    assert funnel["lead"]["cases"] == 400  # every case starts as a lead
    counts = [f["cases"] for f in version["funnel"]]
    assert counts == sorted(counts, reverse=True)  # a funnel only narrows
    assert funnel["prospect"]["conversion"] == round(funnel["prospect"]["cases"] / 400, 3)
    assert version["close_rate"] == round(funnel["customer"]["cases"] / 400, 3)
    assert version["lost"] == version["outcomes"].get("lost", 0) == sum(version["loss_reasons"].values())
    assert {s["stage"] for s in version["stage_days"]} >= {"development", "discovery"}
    for stage in version["stage_days"]:
        assert stage["p25"] <= stage["median"] <= stage["p75"] <= stage["max"] and stage["p90"] <= stage["max"]
    assert sum(version["workload"]["by_role"].values()) > 400
    # S4.3's two regions, each timed from entering invoicing to its own end
    regions = {r["region"]: r for r in version["region_days"]}
    assert set(regions) == {"invoice", "payment"}
    assert all(r["state"] == "invoicing" and 0 < r["median"] <= r["p90"] for r in regions.values())
    assert regions["invoice"]["cases"] == regions["payment"]["cases"] <= funnel["customer"]["cases"]


def test_csv_and_a_narrow_period(review_db: str) -> None:
    code, out = run("report", "--db", review_db, "--from", "2026-01-01", "--to", "2027-01-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["section"] for r in rows} >= {"funnel", "stage_days", "loss_reasons", "workload_role"}
    code, out = run("report", "--db", review_db, "--from", "2026-01-05", "--to", "2026-01-06", "--format", "json")
    assert json.loads(out)["cases"] < 10
    assert run("report", "--db", review_db, "--from", "2026-02-01", "--to", "2026-01-01")[0] == 2


def test_the_page_draws_the_charts_and_renders_in_a_headless_browser(review_db: str, tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    code, _ = run("report", "--db", review_db, "--from", "2026-01-01", "--to", "2027-01-01", "-o", str(page))
    html = page.read_text("utf-8")
    assert (
        code == 0
        and html.count("<svg") == 2
        and "<script" not in html
        and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    assert "线索" in html and "客户开发与初步筛选" in html
    shot = tmp_path / "review.png"
    dom = headless_browser(page, shot, "1200,1600")
    assert "<rect" in dom and "成交客户" in dom
    assert shot.is_file() and shot.stat().st_size > 30_000
    print(f"review screenshot: {shot} ({datetime.now(UTC):%H:%M})")


@pytest.fixture(scope="module")
def complaint_db(tmp_path_factory: pytest.TempPathFactory, complaint: ProcessDefinition) -> str:
    """The complaint process's three scenarios played into one store: two end closed, one still open."""
    url = f"sqlite:///{tmp_path_factory.mktemp('complaints') / 'complaints.db'}"
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    engine = Engine(open_store(url), clock=clock)
    engine.register(complaint)
    for path in sorted((PROCESSES / "complaint" / "scenarios").glob("*.yaml")):
        assert run_scenario(read_scenario(path), engine, clock, "complaint").failures == []
    engine.store.close()
    return url


def test_a_process_without_a_pipeline_has_its_stages_as_the_funnel_and_closes_by_final_states(
    complaint_db: str, complaint: ProcessDefinition
) -> None:
    code, out = run(*REPORT, "--db", complaint_db, "--process", "complaint", "--format", "json")
    (version,) = json.loads(out)["versions"]
    cases = open_store(complaint_db).cases_with_events("complaint")
    finished = sum(1 for c in cases if complaint.states[c.state].final)
    assert code == 0 and version["cases"] == 3 and finished
    assert [f["position"] for f in version["funnel"]] == [s.id for s in complaint.stages]
    assert version["funnel"][0]["cases"] == 3  # every complaint is registered
    assert version["close_rate"] == round(finished / 3, 3) and version["lost"] is None
    code, page = run(*REPORT, "--db", complaint_db, "--process", "complaint", "--format", "html")
    assert f"close rate\n{100 * finished / 3:.1f}%" in page and "close rate\n0.0%" not in page
    assert " · lost " not in page
