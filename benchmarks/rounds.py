"""Engine against floor, interleaved over rounds: the one way every benchmark measures, judges and prints.

A single pass of the engine then a single pass of its floor lets a noisy neighbour on a shared machine land
on one side only, and the verdict flips between runs. Here each round times both sides back to back, the
order alternating (floor first, then engine first), after an untimed warm-up of each; the row keeps every
round's sample so the table shows the median and the min–max of each side and of the per-round ratios,
and the verdict is the ratio of the medians against the row's limit.

    from rounds import compare, print_table, timed
    row = compare("(a) fire() vs bare trigger", ours=timed(fire_all), floor=timed(trigger_all),
                  rounds=7, limit=2.0, unit="µs", per=20_000)
    ok = print_table([row])
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TextIO

UNITS = {"s": 1.0, "ms": 1e3, "µs": 1e6, "ns": 1e9}


@dataclass(frozen=True)
class Spread:
    """The samples of one side of a row, already in the row's unit."""

    samples: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("a spread needs at least one sample")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    def scaled(self, factor: float) -> Spread:
        return Spread(tuple(value * factor for value in self.samples))

    def show(self, unit: str) -> str:
        """`12.3µs (11.9–13.0)`; one sample shows no range."""
        text = f"{_number(self.median)}{unit}"
        return text if len(self.samples) == 1 else f"{text} ({_number(self.low)}–{_number(self.high)})"


@dataclass(frozen=True)
class Row:
    """One line of a benchmark table: the engine's spread, its floor's, and the limit on their ratio.

    With no floor the limit applies to the engine's median itself (an absolute target, e.g. bytes per case);
    with no limit the row is informational and never fails. `better="higher"` is for rates (fires per second,
    scaling), where the ratio must reach the limit rather than stay under it."""

    name: str
    ours: Spread
    floor: Spread | None
    unit: str
    limit: float | None
    note: str = ""
    better: Literal["lower", "higher"] = "lower"

    @property
    def ratio(self) -> float | None:
        if self.floor is None:
            return None
        return self.ours.median / self.floor.median if self.floor.median else float("inf")

    @property
    def ratios(self) -> Spread | None:
        """Each round's ratio, when both sides have one sample per round."""
        if self.floor is None or len(self.floor.samples) != len(self.ours.samples):
            return None
        pairs = zip(self.ours.samples, self.floor.samples, strict=True)
        return Spread.of([o / f if f else float("inf") for o, f in pairs])

    @property
    def ok(self) -> bool:
        if self.limit is None:
            return True
        judged = self.ours.median if self.ratio is None else self.ratio
        return judged <= self.limit if self.better == "lower" else judged >= self.limit

    def verdict(self) -> str:
        return "-" if self.limit is None else ("yes" if self.ok else "NO")

    def shown_limit(self) -> str:
        if self.limit is None:
            return "-"
        sign = "≤" if self.better == "lower" else "≥"
        return f"{sign}{self.limit:g}{'×' if self.floor is not None else self.unit}"


class Ticking:
    """The engine side's clock: every reading a new instant a microsecond after the last, as a real clock's
    readings are. A fixed clock hands out one object again and again, so a memo keyed by the object (e.g.
    engine/instants.py) would answer from one step to the next, which no real step gets."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(microseconds=1)
        return self._now


def timed(action: Callable[[], object]) -> Callable[[], float]:
    """A side that times the whole of `action`; a side with its own set-up returns its own elapsed seconds."""

    def run() -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    return run


def interleaved(
    ours: Callable[[], float], floor: Callable[[], float], rounds: int, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Seconds of each side per round, measured back to back with the order alternating; `warmup` rounds of
    each first, not kept (imports, caches, the first page of the database)."""
    if rounds < 1:
        raise ValueError("at least one round")
    for _ in range(warmup):
        floor()
        ours()
    mine: list[float] = []
    floors: list[float] = []
    for turn in range(rounds):
        sides = ((floors, floor), (mine, ours)) if turn % 2 == 0 else ((mine, ours), (floors, floor))
        for samples, side in sides:
            gc.collect()
            samples.append(side())
    return mine, floors


def compare(
    name: str,
    *,
    ours: Callable[[], float],
    floor: Callable[[], float],
    rounds: int,
    limit: float | None,
    unit: str = "µs",
    per: float = 1,
    note: str = "",
    warmup: int = 1,
) -> Row:
    """Interleave `ours` and `floor` (each returns elapsed seconds) and make a row in `unit` per `per`
    operations (one call of a side does `per` of them)."""
    mine, floors = interleaved(ours, floor, rounds, warmup)
    factor = UNITS[unit] / per
    return Row(name, Spread.of(mine).scaled(factor), Spread.of(floors).scaled(factor), unit, limit, note)


def paired(
    name: str,
    *,
    ours: Callable[[int], object],
    floor: Callable[[int], object],
    rounds: int,
    steps: int,
    limit: float | None,
    note: str = "",
    summary: Callable[[list[float]], float] = statistics.median,
) -> Row:
    """Single steps of each side in pairs, the order alternating from pair to pair; per round each side's
    median step (`summary=statistics.fmean` where a rare long step is part of the cost, e.g. the WAL
    checkpoint a commit runs when its pages cross SQLite's threshold). For rows of one step against one
    step: blocks of a side's steps one after the other leave a neighbour's burst on one block (on this
    shared machine the floor's per-round median once ranged 89–192 µs while the engine's blocks ran at
    another load). `ours(i)` and `floor(i)` make their side's i-th step (counted from 0 over the whole row,
    the warm-up round included)."""
    mine: list[float] = []
    floors: list[float] = []
    clock = time.perf_counter
    made = 0
    for turn in range(rounds + 1):  # the first round warms up
        gc.collect()
        times: tuple[list[float], list[float]] = ([], [])
        for index in range(made, made + steps):
            order = ((0, ours), (1, floor)) if index % 2 else ((1, floor), (0, ours))
            for side, step in order:
                start = clock()
                step(index)
                times[side].append(clock() - start)
        made += steps
        if turn:
            mine.append(summary(times[0]))
            floors.append(summary(times[1]))
    return Row(name, Spread.of(mine).scaled(1e6), Spread.of(floors).scaled(1e6), "µs", limit, note)


def absolute(
    name: str, action: Callable[[], float], *, rounds: int, limit: float | None, unit: str = "ms", note: str = ""
) -> Row:
    """A row with no floor: the median of `action`'s seconds over `rounds` against an absolute limit."""
    action()
    samples = []
    for _ in range(rounds):
        gc.collect()
        samples.append(action())
    return Row(name, Spread.of(samples).scaled(UNITS[unit]), None, unit, limit, note)


def print_table(rows: Sequence[Row], out: TextIO | None = None) -> bool:
    """Print the rows (engine and floor with median and min–max, the ratio with its per-round range, the
    limit and the verdict), then their notes; True when every row meets its limit."""
    out = out or sys.stdout
    width = max([len(row.name) for row in rows] + [9])
    header = f"{'benchmark':<{width}}  {'engine median (min–max)':<26} {'floor median (min–max)':<26}"
    print(f"{header} {'ratio (min–max)':<20} {'limit':>7}  ok", file=out)
    for row in rows:
        floor = "-" if row.floor is None else row.floor.show(row.unit)
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}×"
        spread = row.ratios
        if spread is not None and len(spread.samples) > 1:
            ratio += f" ({spread.low:.2f}–{spread.high:.2f})"
        print(
            f"{row.name:<{width}}  {row.ours.show(row.unit):<26} {floor:<26} {ratio:<20} {row.shown_limit():>7}  "
            f"{row.verdict()}",
            file=out,
        )
    for row in rows:
        if row.note:
            print(f"  {row.name.split(')')[0]}): {row.note}", file=out)
    return all(row.ok for row in rows)


def _number(value: float) -> str:
    """Three significant figures at most, no exponent for the sizes a benchmark prints."""
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2e}"
