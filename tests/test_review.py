"""The sales review: figures from the history, CSV and JSON, and an HTML page with inline SVG charts."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import ProcessDefinition
from engine.cli import main
from tests.conftest import headless_browser
from tests.review_data import review_store


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
