"""Deadlines over time: overdue, tick (record due reminders and escalations once each), the worker loop."""

from __future__ import annotations

import argparse
from datetime import UTC, timedelta
from typing import TextIO

from ..i18n import instant, pad, translator
from ..presentation import describe_obligation, span, status_word, zone_of
from ..records import Event
from . import evidence
from .notify import delivery_for
from .options import (
    Parents,
    Subcommands,
    command_zone,
    engine_for,
    language,
    positive,
)
from .output import print_json


def _print_alert(event: Event, out: TextIO) -> None:
    data = dict(event.data or {})
    target = f"{data.get('action')} {data.get('notify') or ''}".rstrip()
    print(f"{event.case_id}: {event.kind} {data.get('ref') or data.get('deadline')} → {target}", file=out, flush=True)


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser("overdue", parents=[parents.common], help="every open obligation past due, across all cases")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_overdue)

    p = sub.add_parser(
        "tick", parents=[parents.common], help="record reminders and escalations that are due (once each)"
    )
    p.set_defaults(run=cmd_tick)

    p = sub.add_parser("worker", parents=[parents.common], help="run the deadline loop; many workers may share a store")
    p.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    p.add_argument("--batch", type=positive, default=50, help="cases claimed per round (default 50)")
    p.add_argument("--lease", type=positive, default=60, help="seconds a claim holds (default 60)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")
    p.add_argument("--name", help="worker name in heartbeats (default host-pid-random)")
    p.add_argument(
        "--checkpoint-every", type=evidence.duration, metavar="DURATION", help="sign a checkpoint this often (1h)"
    )
    p.add_argument("--sign", metavar="KEY", help="with --checkpoint-every: the Ed25519 private key file")
    p.set_defaults(run=cmd_worker)


def cmd_overdue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    now = engine.clock.now()
    zone = command_zone(args, engine.store) or UTC
    rows = []
    lang = language(args)
    for item in engine.overdue(now):
        definition = engine.definition(item.case.process_id, item.case.definition_hash)
        lang = language(args, definition)
        info = describe_obligation(item.obligation, now, zone_of(definition), lang)
        info["late_by"] = span(item.lateness, lang)
        info.update(
            case=item.case.id,
            process=item.case.process_id,
            state=item.case.state,
            late_by_seconds=int(item.lateness.total_seconds()),
            missed_periods=item.missed_periods,
        )
        rows.append(info)
    if args.json:
        print_json(rows, out)
        return 0
    words = translator(lang)
    if not rows:
        print(words._("nothing overdue at {now}", now=instant(now, zone)), file=out)
    for row in rows:
        periods = words._(" ({n} periods missed)", n=row["missed_periods"]) if row["missed_periods"] > 1 else ""
        late = words._("late {span}", span=row["late_by"] or "-")
        print(
            f"{row['case']:<20} {row['state']:<22} {row['owner'] or '-':<22} {row['ref'] or row['deadline']:<5} "
            f"{pad(status_word(row['status'], lang), 8)} {late}{periods}  {row['title']}",
            file=out,
        )
    return 0


def cmd_tick(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for event in engine_for(args).tick():
        _print_alert(event, out)
    return 0


def cmd_worker(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..worker import Worker

    engine = engine_for(args)
    worker = Worker(
        engine,
        batch=args.batch,
        lease=timedelta(seconds=args.lease),
        interval=args.interval,
        on_event=lambda event: _print_alert(event, out),
        after_round=evidence.worker_hook(args, engine.store),
    )
    if args.name:
        worker.name = args.name
    worker.deliver = delivery_for(args, worker.engine.store, worker.name, out)
    if args.once:
        worker.run_once()
        return 0
    worker.stop_on_signals()
    print(f"worker {worker.name} started; SIGTERM or Ctrl-C stops it after the current batch", file=err, flush=True)
    worker.run()
    print(f"worker {worker.name} stopped after handling {worker.handled} case(s)", file=err)
    return 0
