"""The benchmarks' shared measuring helper: interleaving, the verdict and the table it prints."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from rounds import Row, Spread, compare, interleaved, paired, print_table


def test_rounds_alternate_which_side_goes_first_after_a_warm_up() -> None:
    calls: list[str] = []

    def side(name: str) -> object:
        def run() -> float:
            calls.append(name)
            return 1.0

        return run

    mine, floors = interleaved(side("ours"), side("floor"), rounds=4, warmup=1)  # type: ignore[arg-type]
    assert calls == ["floor", "ours", "floor", "ours", "ours", "floor", "floor", "ours", "ours", "floor"]
    assert len(mine) == len(floors) == 4


def test_paired_steps_take_turns_and_each_round_keeps_each_sides_median_step() -> None:
    calls: list[tuple[str, int]] = []

    def side(name: str) -> object:
        return lambda index: calls.append((name, index))

    row = paired("(x) x", ours=side("ours"), floor=side("floor"), rounds=2, steps=3, limit=1.5)  # type: ignore[arg-type]

    assert calls[:6] == [("floor", 0), ("ours", 0), ("ours", 1), ("floor", 1), ("floor", 2), ("ours", 2)]
    assert [i for name, i in calls if name == "ours"] == list(range(9))  # warm-up round, then two rounds of 3
    assert row.floor is not None and len(row.ours.samples) == len(row.floor.samples) == 2
    assert row.unit == "µs" and row.limit == 1.5


def test_a_row_is_judged_on_the_ratio_of_medians_and_shows_each_rounds_ratio() -> None:
    samples = iter([2.0, 9.0, 2.2])  # the engine's rounds, one of them an outlier; the floor takes 1 s

    row = compare("(x) x", ours=lambda: next(samples), floor=lambda: 1.0, rounds=3, limit=2.0, unit="s", warmup=0)

    assert row.ours.samples == (2.0, 9.0, 2.2) and row.floor is not None and row.floor.median == 1.0
    assert row.ratio == pytest.approx(2.2) and not row.ok
    assert row.ratios is not None and (row.ratios.low, row.ratios.high) == (2.0, 9.0)


def test_rates_must_reach_their_limit_and_rows_without_a_limit_never_fail() -> None:
    scaling = Row("(j) scaling", Spread.of([1.5]), Spread.of([2.0]), "", 0.8, better="higher")
    told = Row("(z) informational", Spread.of([50.0]), Spread.of([1.0]), "ms", None)
    absolute = Row("(e) bytes per case", Spread.of([3000.0]), None, "B", 2048)

    assert not scaling.ok and told.ok and not absolute.ok
    out = io.StringIO()
    assert print_table([scaling, told, absolute], out) is False
    text = out.getvalue()
    assert "0.75×" in text and "≥0.8×" in text and "≤2048B" in text and "NO" in text
