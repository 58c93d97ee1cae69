"""`procflow assign / claim / release / delegate / transfer / inbox`: whose work a case is, on the command line.

An area module of the CLI: `register(sub, parents)` adds the subcommands beside their handlers.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TextIO

from engine.cli.options import Parents, Subcommands, engine_for
from engine.records import current_assignment
from engine.runtime.engine import Engine


def register(sub: Subcommands, parents: Parents) -> None:
    common, acting = parents.common, parents.acting
    p = sub.add_parser("assign", parents=[common, acting], help="reassign a case to a person (a manager or admin)")
    p.add_argument("case", metavar="CASE")
    p.add_argument("person", metavar="PERSON")
    p.set_defaults(run=cmd_assign)
    p = sub.add_parser("claim", parents=[common, acting], help="take a case from the queue of a role you hold")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_claim)
    p = sub.add_parser("release", parents=[common, acting], help="put your case back in its role's queue")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_release)
    p = sub.add_parser("delegate", parents=[common, acting], help="委派: lend your case; it comes back when done")
    p.add_argument("case", metavar="CASE")
    p.add_argument("person", metavar="PERSON")
    p.set_defaults(run=cmd_delegate)
    p = sub.add_parser("transfer", parents=[common, acting], help="转办: hand your case over for good")
    p.add_argument("case", metavar="CASE")
    p.add_argument("person", metavar="PERSON")
    p.set_defaults(run=cmd_transfer)
    p = sub.add_parser("inbox", parents=[common, acting], help="your work now, most urgent first")
    p.add_argument("--limit", type=int, default=20, help="how many entries, most urgent first (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_inbox)


def _done(engine: Engine, case_id: str, out: TextIO) -> int:
    held = current_assignment(engine.get(case_id))
    who = (held.person or f"the {held.role} queue") if held else "nobody"
    print(f"{case_id}: now with {who}", file=out)
    return 0


def cmd_assign(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    engine.assign(args.case, args.person, args.actor)
    return _done(engine, args.case, out)


def cmd_claim(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    engine.claim(args.case, args.actor)
    return _done(engine, args.case, out)


def cmd_release(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    engine.release(args.case, args.actor)
    return _done(engine, args.case, out)


def cmd_delegate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    engine.delegate(args.case, args.person, args.actor)
    return _done(engine, args.case, out)


def cmd_transfer(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    engine.transfer(args.case, args.person, args.actor)
    return _done(engine, args.case, out)


def cmd_inbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    entries = engine_for(args).inbox(args.actor.user, limit=args.limit)
    if args.json:
        json.dump([asdict(e) for e in entries], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not entries:
        print(f"nothing for {args.actor.user} now", file=out)
    for e in entries:
        flags = ("ESCALATED " if e.escalated else "") + ("" if e.held else "(queue: claim it) ")
        cover = f" covering {e.covering}" if e.covering else ""
        print(f"{flags}{e.case_id}  {e.process_id}/{e.state} as {e.role}{cover}", file=out)
        for due in e.obligations:
            print(f"    {due.status:<8} {due.deadline} due {due.due_at}  {due.title}", file=out)
        if e.documents:
            print(f"    produce: {', '.join(e.documents)}", file=out)
        print(f"    can fire: {', '.join(e.moves) or '-'}", file=out)
    return 0
