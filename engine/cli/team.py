"""`procflow team …`: the team directory on the command line (an area module of the CLI).

`register(sub, parents)` adds the subcommands beside their handlers; parents are the shared `--db/--now`
and `--as` parsers.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any, TextIO

from ..errors import DirectoryRefused, UsageError
from ..people.admin import Draft, add_person, grant, substitute
from ..people.teamfile import read_team, team_drafts
from ..people_records import Person, Roster
from .options import Parents, Subcommands, engine_for


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-10-01") from None


def _person_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("person", metavar="PERSON", help="the person's id, e.g. li_na")
    p.add_argument("--name", help="display name (default: the id)")
    p.add_argument("--email", default="")
    p.add_argument("--chat", action="append", default=[], metavar="APP=HANDLE", help="e.g. wecom=li.na (repeatable)")
    p.add_argument("--locale", default="zh-CN")
    p.add_argument("--timezone", default="Asia/Shanghai")


def register(sub: Subcommands, parents: Parents) -> None:
    common, acting = parents.common, parents.acting
    team = sub.add_parser("team", help="the team directory: people, role grants, substitutes, reporting lines")
    verbs = team.add_subparsers(dest="team_command", required=True, parser_class=type(team))

    p = verbs.add_parser("init", parents=[common], help="make the first directory admin (an empty directory only)")
    _person_options(p)
    p.set_defaults(run=cmd_init)

    p = verbs.add_parser("add", parents=[common, acting], help="add a person")
    _person_options(p)
    p.add_argument("--reports-to", metavar="MANAGER")
    p.set_defaults(run=cmd_add)

    p = verbs.add_parser("grant", parents=[common, acting], help="grant a role to a person")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("role", metavar="ROLE")
    p.add_argument("--process", help="only for this process (default: every process)")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day the grant is valid")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day the grant is valid")
    p.set_defaults(run=cmd_grant)

    p = verbs.add_parser("revoke", parents=[common, acting], help="revoke a person's grants of a role")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("role", metavar="ROLE")
    p.add_argument("--process", help="only the grant for this process")
    p.set_defaults(run=cmd_revoke)

    p = verbs.add_parser("substitute", parents=[common, acting], help="WHO covers ABSENT's roles from … to …")
    p.add_argument("person", metavar="WHO")
    p.add_argument("--for", dest="absent", required=True, metavar="ABSENT")
    p.add_argument("--from", dest="start", type=_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="end", type=_date, required=True, metavar="DATE")
    p.set_defaults(run=cmd_substitute)

    p = verbs.add_parser("leave", parents=[common, acting], help="a person leaves; their open cases are reassigned")
    p.add_argument("person", metavar="PERSON")
    p.set_defaults(run=cmd_leave)

    p = verbs.add_parser("list", parents=[common], help="everyone, with their roles")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_list)

    p = verbs.add_parser("show", parents=[common], help="one person: details, grants, covers, manager")
    p.add_argument("person", metavar="PERSON")
    p.set_defaults(run=cmd_show)

    p = verbs.add_parser("import", parents=[common, acting], help="add or update people from a YAML or CSV file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--process", action="append", default=[], metavar="FILE", help="register a process first")
    p.set_defaults(run=cmd_import)


def _person(args: argparse.Namespace) -> Person:
    chat = {}
    for item in args.chat:
        app, sep, handle = item.partition("=")
        if not sep or not app or not handle:
            raise UsageError(f"--chat {item!r}: write APP=HANDLE, e.g. wecom=li.na")
        chat[app] = handle
    return Person(args.person, args.name or args.person, args.email, chat, args.locale, args.timezone)


def _report(events: list[Any], out: TextIO) -> int:
    for event in events:
        print(f"#{event.seq} {event.kind}: {json.dumps(dict(event.data), ensure_ascii=False)}", file=out)
    return 0


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    return _report(engine.team.init(_person(args), engine.clock.now()), out)


def cmd_add(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    drafts = [add_person(_person(args))]
    if args.reports_to:
        drafts.append(Draft("reports_to", {"person": args.person, "manager": args.reports_to}))
    return _report(engine.team.change(args.actor.user, drafts, engine.clock.now()), out)


def cmd_grant(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    draft = grant(args.person, args.role, args.process, args.start, args.end)
    return _report(engine.team.change(args.actor.user, [draft], engine.clock.now()), out)


def cmd_revoke(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    grants = [
        g
        for g in engine.directory.roster().grants_of(args.person)
        if g.role == args.role and (args.process is None or g.process == args.process)
    ]
    if not grants:
        raise DirectoryRefused(
            f"{args.person} holds no grant of {args.role!r}" + (f" for {args.process}" if args.process else "")
        )
    drafts = [Draft("revoked", {"grant": g.id}) for g in grants]
    return _report(engine.team.change(args.actor.user, drafts, engine.clock.now()), out)


def cmd_substitute(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    draft = substitute(args.person, args.absent, args.start, args.end)
    return _report(engine.team.change(args.actor.user, [draft], engine.clock.now()), out)


def cmd_leave(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    moved = engine_for(args).leave(args.person, args.actor)
    print(f"{args.person} has left; {len(moved)} open case(s) reassigned", file=out)
    for case_id, person in moved:
        print(f"  {case_id} → {person or 'the queue'}", file=out)
    return 0


def _roles(roster: Roster, person: str) -> list[str]:
    return [
        g.role
        + (f"@{g.process}" if g.process else "")
        + (f" ({g.describe().split(', ', 1)[1]})" if g.valid_from or g.valid_to else "")
        for g in roster.grants_of(person)
    ]


def cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    roster = engine_for(args).directory.roster()
    rows: list[dict[str, Any]] = [
        {
            "id": p.id,
            "name": p.name,
            "active": p.active,
            "roles": _roles(roster, p.id),
            "reports_to": roster.managers.get(p.id),
        }
        for p in sorted(roster.people.values(), key=lambda p: p.id)
    ]
    if args.json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    for row in rows:
        state = "" if row["active"] else " (left)"
        print(f"{row['id']:<14} {row['name']:<12} {', '.join(row['roles']) or '-'}{state}", file=out)
    return 0


def cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    roster = engine_for(args).directory.roster()
    person = roster.people.get(args.person)
    if person is None:
        raise UsageError(f"no person {args.person!r} in the team directory (see 'procflow team list')")
    print(f"{person.id}: {person.name}{'' if person.active else ' (left)'}", file=out)
    print(f"  email {person.email or '-'}; locale {person.locale}; time zone {person.timezone}", file=out)
    for app, handle in sorted(person.chat.items()):
        print(f"  {app}: {handle}", file=out)
    manages = ", ".join(sorted(roster.reports(person.id))) or "-"
    print(f"  reports to {roster.managers.get(person.id) or '-'}; manages {manages}", file=out)
    for g in roster.grants_of(person.id):
        print(f"  {g.describe()}", file=out)
    for s in roster.substitutes.values():
        if person.id in (s.substitute, s.absent) and not s.ended:
            print(f"  cover #{s.id}: {s.substitute} covers {s.absent}, {s.start} to {s.end}", file=out)
    return 0


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..definition.loader import load  # here, not above: `procflow --help` lists this area too

    engine = engine_for(args)
    for path in args.process:
        engine.register(load(path))
    team = engine.team
    drafts = team_drafts(read_team(args.file), engine.directory.roster(), team.roles or (), args.file)
    events = team.change(args.actor.user, drafts, engine.clock.now())
    print(f"{args.file}: {len(events)} change(s) recorded", file=out)
    return 0
