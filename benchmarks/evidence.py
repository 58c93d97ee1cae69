"""Evidence benchmarks: trusted verification against bare hashing, a backtest against simulating the same histories.

    python benchmarks/evidence.py            # full: verify on 10,000 cases x 20 events; backtest on 1,000 cases
    python benchmarks/evidence.py --quick    # smaller sizes
    python benchmarks/evidence.py --backtest-cases 10000   # the issue's size (about half an hour on 2 cores)

Ratios are against floors measured in the same run on the same data:
- `verify --trust` vs reading the same event rows with one plain SELECT and hashing each row's bytes with
  hashlib (the least any verifier must do);
- `backtest` (replay under a proposal, deadline comparison, funnel and stage figures both ways) vs replaying
  the same recorded actions through an in-memory engine under the current definition (what `simulate`
  does with a scenario).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import Row, compare, print_table, timed  # noqa: E402

from procflow import Actor, Engine, FixedClock, load, open_store  # noqa: E402
from procflow.chain import seal  # noqa: E402
from procflow.cli.main import main as cli  # noqa: E402
from procflow.evidence import keys, signing  # noqa: E402
from procflow.evidence.backtest import backtest  # noqa: E402
from procflow.fold import apply  # noqa: E402
from procflow.records import Case, Event  # noqa: E402

T0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
SALES = ROOT / "processes" / "sales.yaml"


def _events_store(url: str, cases: int, per_case: int) -> None:
    """`cases` cases of `per_case` sealed events each (a start, then notes with a small document), written straight."""
    definition = load(SALES)
    engine = Engine(open_store(url))
    engine.register(definition)
    store = engine.store
    for n in range(cases):
        case_id = f"sales-bench-{n:06d}"
        data = MappingProxyType({"process_id": "sales", "data": {}})
        first = Event(case_id, 1, "started", T0, "zhao_lei", "bd_specialist", definition.content_hash,
                      dest=definition.initial, data=data)  # fmt: skip
        case: Case = apply(None, seal(first, None))
        events = list(case.history)
        for seq in range(2, per_case + 1):
            note = {"deadline": "lead_recorded_24h", "key": f"k{seq}", "rule": 0, "action": "remind", "n": seq}
            event = seal(Event(case_id, seq, "reminded", T0 + timedelta(minutes=seq), "procflow", "system",
                               definition.content_hash, data=MappingProxyType(note)), case)  # fmt: skip
            case = apply(case, event)
            events.append(event)
        store.commit(case, events, None)


def bench_verify(cases: int, per_case: int, rounds: int) -> Row:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/v.db"
        _events_store(url, cases, per_case)
        public, _ = keys.generate(Path(folder) / "k")
        store = open_store(url)
        signing.sign_checkpoint(store, T0 + timedelta(days=1), keys.load_private(Path(folder) / "k"))
        trusted = [keys.load_public(public)]
        raw = store._read  # type: ignore[attr-defined]

        def floor() -> None:
            for row in raw("SELECT * FROM events ORDER BY case_id, seq"):
                hashlib.sha256("\x1f".join(map(str, row)).encode("utf-8")).digest()

        def trusted_verify() -> None:
            verdict = signing.verify_trusted(store, trusted)
            assert verdict.ok and verdict.events == cases * per_case, verdict.problems[:3]

        note = "floor: one SELECT of the same rows and hashlib over each row's bytes"
        name = f"(v) verify --trust, {cases:,} cases x {per_case} events (SQLite)"
        return compare(name, ours=timed(trusted_verify), floor=timed(floor), rounds=rounds, limit=3.0, unit="ms",
                       note=note)  # fmt: skip


def _clone(engine: Engine, source: Case, case_id: str) -> None:
    """Copy a recorded case under a new id (re-sealed), as if it had happened again."""
    case: Case | None = None
    events = []
    for event in source.history:
        data = dict(event.data or {})
        copy = seal(replace(event, case_id=case_id, prev_hash=None, hash=None, data=MappingProxyType(data)), case)
        case = apply(case, copy)
        events.append(copy)
    assert case is not None
    engine.store.commit(case, events, None)


def _replay(engine: Engine, cases: list[Case], clock: FixedClock) -> None:
    """What `simulate` does: perform each recorded action through the engine, case after case."""
    for case in cases:
        current = None
        for e in case.history:
            clock.set(e.at)
            actor = Actor(e.actor, e.role)
            if e.kind == "started":
                current = engine.start("sales", actor, data=dict((e.data or {}).get("data", {})), case_id=e.case_id)
            elif e.kind == "submitted" and current is not None:
                current = engine.submit(current, str(e.document), dict(e.data or {}), actor)
            elif e.kind == "fired" and current is not None:
                current = engine.fire(current, str(e.trigger), actor)


def bench_backtest(cases: int, rounds: int) -> Row:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        code = cli(
            ["demo", "--db", url, "--out", f"{folder}/out", "--process", str(SALES)], io.StringIO(), io.StringIO()
        )
        assert code == 0
        engine = Engine(open_store(url))
        demo = list(engine.store.cases(process_id="sales"))
        for n in range(cases - len(demo)):
            _clone(engine, demo[n % len(demo)], f"sales-clone-{n:06d}")
        recorded = list(engine.store.cases(process_id="sales"))
        proposed = load(SALES)
        shared = engine.store.shared("sales")
        now = datetime(2026, 12, 1, tzinfo=UTC)

        def simulate() -> None:
            clock = FixedClock(T0)
            sandbox = Engine(open_store("memory:"), clock=clock)
            sandbox.register(proposed)
            for versions in shared.values():
                for v in versions:
                    sandbox.publish("sales", v.document, dict(v.data), Actor(v.actor, v.role))
            _replay(sandbox, recorded, clock)

        def run_backtest() -> None:
            result = backtest(engine, proposed, now)
            assert result.cases == cases and not result.refused, result.refused[:3]

        note = "floor: the same recorded actions replayed through an in-memory engine (what simulate does)"
        name = f"(bt) backtest, {cases:,} sales cases"
        return compare(name, ours=timed(run_backtest), floor=timed(simulate), rounds=rounds, limit=1.5, unit="ms",
                       note=note, warmup=0)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds")
    parser.add_argument("--backtest-cases", type=int, help="cases for the backtest row (default 1,000; quick 100)")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else 3
    rows = [
        bench_verify(1_000 if args.quick else 10_000, 20, rounds),
        bench_backtest(args.backtest_cases or (100 if args.quick else 1_000), 1),
    ]
    return 0 if print_table(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
