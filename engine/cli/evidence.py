"""Evidence: key pairs, signed checkpoints and trusted verification, evidence packs, backtests, authority.

`verify --trust`, `checkpoint --sign`, `audit --bundle` and `worker --checkpoint-every` are options of
commands registered elsewhere; their handlers call the functions here.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from ..errors import UsageError
from ..i18n import instant
from ..presentation import zone_of
from ..store.base import Store
from .options import (
    Parents,
    Parser,
    Subcommands,
    actor,
    command_zone,
    engine_for,
    in_zone,
    instant_or_date,
)
from .output import emit, print_json

_DURATION = re.compile(r"^(\d+)(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match or int(match.group(1)) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 1h or 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser("keygen", help="make an Ed25519 key pair for signed checkpoints (KEY and KEY.pub)")
    p.add_argument("key", metavar="KEY", help="the private key file to write (mode 0600); KEY.pub beside it")
    p.set_defaults(run=cmd_keygen)
    _register_calendar(sub, parents)

    p = sub.add_parser(
        "authority", help="paths one person could walk alone past a gate; exit 1 if one breaks an invariant"
    )
    p.add_argument("file", metavar="FILE", help="a process file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_authority)

    p = sub.add_parser(
        "backtest", parents=[parents.common], help="replay the store's case histories under a proposed definition"
    )
    p.add_argument("file", metavar="NEW.yaml", help="the proposed process file")
    p.add_argument("--since", type=instant_or_date, metavar="DATE", help="only cases started on or after DATE")
    p.add_argument("--process", metavar="ID", help="the cases of this process (default: the file's process id)")
    p.add_argument("--format", choices=["text", "md", "html", "json"], default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_backtest)

    p = sub.add_parser("verify-bundle", help="recompute a case's evidence pack with no database (exit 0 sound, 1 not)")
    p.add_argument("bundle", metavar="ZIP")
    p.add_argument("--trust", action="append", required=True, metavar="PUBKEY", help="the signing key you trust")
    p.set_defaults(run=cmd_verify_bundle)


def cmd_keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..evidence import keys

    public, kid = keys.generate(Path(args.key))
    print(f"wrote {args.key} (keep it secret, off the database host) and {public} (key {kid})", file=out)
    return 0


def _register_calendar(sub: Subcommands, parents: Parents) -> None:
    group = sub.add_parser("calendar", help="the working-day data deadlines are judged on")
    inner: Subcommands = group.add_subparsers(dest="calendar_command", required=True, parser_class=Parser)
    p = inner.add_parser("table", help="print a process calendar's working-day table (JSON) for some years")
    p.add_argument("file", metavar="FILE", help="a process file")
    p.add_argument("--years", default=None, metavar="FROM-TO", help="e.g. 2026-2027 (default this year and next)")
    p.set_defaults(run=cmd_calendar_table)
    p = inner.add_parser(
        "impact", parents=[parents.common], help="open deadlines whose due time moves under new holidays data"
    )
    p.add_argument("--holidays", metavar="TABLE", help="a proposed working-day table (default: the installed data)")
    p.add_argument("--record", action="store_true", help="note each move on its case's record (needs --as)")
    p.add_argument("--as", dest="actor", type=actor, metavar="USER:ROLE", help="who records the moves")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_calendar_impact)


def cmd_calendar_table(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..definition.loader import load
    from ..evidence import calendar

    definition = load(args.file)
    if definition.calendar is None:
        raise UsageError(f"{args.file} declares no calendar")
    this_year = datetime.now(UTC).year
    first, _, last = (args.years or f"{this_year}-{this_year + 1}").partition("-")
    if not (first.isdigit() and (last or first).isdigit()):
        raise UsageError(f"--years {args.years!r} is not FROM-TO like 2026-2027")
    print_json(calendar.table(definition.calendar, range(int(first), int(last or first) + 1)), out)
    return 0


def cmd_calendar_impact(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..evidence import calendar

    if args.record and (args.holidays or args.actor is None):
        raise UsageError("--record needs --as USER:ROLE and the installed data (a proposal is not in force)")
    engine = engine_for(args)
    proposed = calendar.read_table(Path(args.holidays)) if args.holidays else None
    moves = calendar.impact(engine, engine.clock.now(), proposed)
    if args.json:
        print_json(
            [
                {
                    "case": m.case_id,
                    "key": m.key,
                    "deadline": m.deadline,
                    "from": m.old.isoformat(),
                    "to": m.new.isoformat(),
                }
                for m in moves
            ],
            out,
        )
    else:
        zone = command_zone(args, engine.store) or UTC
        for m in moves:
            print(f"{m.case_id:<20} {m.deadline:<6} {instant(m.old, zone)} → {instant(m.new, zone)}", file=out)
        print(f"{len(moves)} open deadline(s) move", file=out)
    if args.record and moves:
        noted = calendar.record(engine, moves, args.actor)
        print(f"recorded the moves on {len(noted)} case(s)", file=err)
    return 0


def cmd_authority(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..definition.loader import load
    from ..evidence import authority

    findings = authority.check(load(args.file))
    if args.json:
        print_json(
            [
                {
                    "invariant": f.invariant,
                    "from": f.start,
                    "to": f.end,
                    "broken": f.broken,
                    "path": None if f.path is None else list(f.path.states),
                    "steps": None
                    if f.path is None
                    else [{"step": str(s), "roles": list(s.roles)} for s in f.path.steps],
                }
                for f in findings
            ],
            out,
        )
    else:
        for line in authority.lines(findings):
            print(line, file=out)
    return 1 if any(f.broken for f in findings) else 0


def cmd_backtest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..definition.loader import load
    from ..evidence import backtest, backtest_report

    proposed = load(args.file)  # a file that does not validate stops here, before the store is opened
    engine = engine_for(args)
    process = args.process or proposed.id
    if not engine.store.latest_definition(process):
        raise UsageError(f"the store has no process {process!r}; see 'procflow versions'")
    since = in_zone(args.since, zone_of(proposed)) if args.since else None  # the process's day, not UTC's
    result = backtest.backtest(engine, proposed, engine.clock.now(), process=process, since=since)
    emit(backtest_report.render(backtest_report.data(result), args.format), args.output, out)
    return 0


def cmd_verify_bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..evidence import bundle_check, keys

    verdict = bundle_check.verify_bundle(Path(args.bundle), [keys.load_public(Path(p)) for p in args.trust])
    for line in verdict.problems + verdict.notes:
        print(line, file=out)
    if not verdict.ok:
        print(f"NOT SOUND: {args.bundle}", file=out)
        return 1
    print(f"ok: case {verdict.case}, {verdict.events} event(s), signed up to event {verdict.signed_version}", file=out)
    return 0


def bundle(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`audit CASE --bundle ZIP`."""
    from ..evidence.bundle import write_bundle

    engine = engine_for(args)
    manifest = write_bundle(engine, args.case, Path(args.bundle), engine.clock.now())
    print(f"wrote {args.bundle}: {len(manifest['files'])} file(s) for case {args.case}", file=out)
    return 0


def sign(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`checkpoint --sign KEY [--introduce NEW.pub]`."""
    from ..evidence import keys, signing

    engine = engine_for(args)
    key = keys.load_private(Path(args.sign))
    successor = keys.load_public(Path(args.introduce)) if args.introduce else None
    number, digest = signing.sign_checkpoint(engine.store, engine.clock.now(), key, successor)
    print(f"signed checkpoint {number} with key {keys.key_id(key.public_key())}: {digest[:32]}", file=out)
    if successor is not None:
        print(
            f"key {keys.key_id(successor)} signs from now on; key {keys.key_id(key.public_key())} is retired", file=out
        )
    return 0


def verify_trusted(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`verify --trust PUBKEY`."""
    from ..evidence import keys, signing

    if args.checkpoint:
        raise UsageError("--trust and --checkpoint do not combine: a signed checkpoint needs no digest written down")
    trusted = [keys.load_public(Path(path)) for path in args.trust]
    verdict = signing.verify_trusted(engine_for(args).store, trusted)
    for problem in verdict.problems:
        print(problem, file=out)
    signed = f"signed checkpoint {verdict.signed}" if verdict.signed else "no signed checkpoint"
    summary = (
        f"{verdict.cases} case(s), {verdict.events} event(s); {signed} (keys {', '.join(verdict.keys) or '-'}), "
        f"{verdict.since} event(s) since, checked by their chains"
    )
    print(f"{'ok' if verdict.ok else 'TAMPERED'}: {summary}", file=out)
    return 0 if verdict.ok else 1


def worker_hook(args: argparse.Namespace, store: Store) -> Callable[[datetime], None] | None:
    """The worker's after-round hook for `--checkpoint-every` (None without it)."""
    from ..evidence import keys, signing

    if args.checkpoint_every is None:
        if args.sign:
            raise UsageError("--sign needs --checkpoint-every DURATION")
        return None
    if not args.sign:
        raise UsageError("--checkpoint-every needs --sign KEY")
    return signing.every(store, keys.load_private(Path(args.sign)), args.checkpoint_every)
