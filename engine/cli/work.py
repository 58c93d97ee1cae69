"""`procflow assign / claim / release / delegate / transfer / inbox`: whose work a case is, on the command line.

An area module of the CLI: `register(sub, parents)` adds the subcommands beside their handlers.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from ..i18n import instant, translator
from ..presentation import status_word
from ..records import current_assignment
from .options import Parents, Subcommands, engine_for, language

if TYPE_CHECKING:
    from ..runtime.engine import Engine

VERBS = (  # (verb, whether it names the person the case goes to, help)
    ("assign", True, "reassign a case to a person (a manager of its holder, or a directory admin)"),
    ("claim", False, "take a case from the queue of a role you hold"),
    ("release", False, "put your case back in its role's queue"),
    ("delegate", True, "委派: lend your case to a colleague; it comes back when they are done"),
    ("transfer", True, "转办: hand your case over for good"),
)


def register(sub: Subcommands, parents: Parents) -> None:
    common, acting = parents.common, parents.acting
    for name, to_person, text in VERBS:
        p = sub.add_parser(name, parents=[common, acting], help=text)
        p.add_argument("case", metavar="CASE")
        if to_person:
            p.add_argument("person", metavar="PERSON")
        p.set_defaults(run=_verb(name, to_person=to_person))
    p = sub.add_parser("inbox", parents=[common, acting], help="your work now, most urgent first")
    p.add_argument("--limit", type=int, default=20, help="how many entries, most urgent first (default 20)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_inbox)


def _done(engine: Engine, case_id: str, out: TextIO) -> int:
    held = current_assignment(engine.get(case_id))
    who = (held.person or f"the {held.role} queue") if held else "nobody"
    print(f"{case_id}: now with {who}", file=out)
    return 0


def _verb(name: str, *, to_person: bool) -> Callable[[argparse.Namespace, TextIO, TextIO], int]:
    """The handler of `procflow NAME CASE [PERSON] --as …`: the engine verb of that name, then who holds it."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        engine = engine_for(args)
        verb = getattr(engine, name)
        verb(args.case, args.person, args.actor) if to_person else verb(args.case, args.actor)
        return _done(engine, args.case, out)

    return run


def cmd_inbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    entries = engine_for(args).inbox(args.actor.user, limit=args.limit)
    if args.json:
        json.dump([asdict(e) for e in entries], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    lang = language(args)
    words = translator(lang)
    if not entries:
        print(words._("nothing for {person} now", person=args.actor.user), file=out)
    for e in entries:
        flags = (words._("ESCALATED") + " " if e.escalated else "") + (
            "" if e.held else words._("(queue: claim it)") + " "
        )
        cover = words._(" covering {person}", person=e.covering) if e.covering else ""
        where = f"{e.process_id}/{e.state}"
        print(f"{flags}{e.case_id}  " + words._("{where} as {role}", where=where, role=e.role) + cover, file=out)
        for due in e.obligations:  # the inbox gives each due time in the person's own zone
            at = datetime.fromisoformat(due.due_at)
            when = words._("due {due}", due=instant(at, at.tzinfo or UTC))
            print(f"    {status_word(due.status, lang):<8} {due.deadline} {when}  {due.title}", file=out)
        if e.documents:
            print("    " + words._("produce: {documents}", documents=", ".join(e.documents)), file=out)
        print("    " + words._("can fire: {moves}", moves=", ".join(e.moves) or "-"), file=out)
    return 0
