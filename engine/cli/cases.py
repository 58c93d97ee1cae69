"""Working cases: start, submit, publish, fire, status, available, render, history, list."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from typing import Any, TextIO

from ..errors import InputError
from ..i18n import columns, instant, pad, translator
from ..narration import describe_event
from ..presentation import case_rows, describe_case, describe_obligation, obligation_line, zone_of
from ..records import Event
from .options import (
    Parents,
    Subcommands,
    engine_for,
    language,
    load_process,
    positive,
    viewer,
)
from .output import emit, print_json, stream_json


def register(sub: Subcommands, parents: Parents) -> None:
    viewing = [parents.common, parents.viewing]
    p = sub.add_parser("start", parents=[parents.common, parents.acting, parents.files], help="start a case")
    p.add_argument(
        "process", metavar="FILE|PROCESS", help="a process file (registered if new) or a registered process id"
    )
    p.add_argument("--id", dest="case_id", help="case id (default: generated)")
    p.add_argument("--data", metavar="FILE", help="case data (JSON or YAML mapping)")
    p.set_defaults(run=cmd_start)

    p = sub.add_parser("submit", parents=[parents.common, parents.acting], help="submit a document version to a case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("data", metavar="FILE", help="the document's data (JSON or YAML)")
    p.set_defaults(run=cmd_submit)

    p = sub.add_parser(
        "publish", parents=[parents.common, parents.acting], help="publish a shared document of a process"
    )
    p.add_argument("process", metavar="PROCESS")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("data", metavar="FILE", help="the document's data (JSON or YAML)")
    p.set_defaults(run=cmd_publish)

    p = sub.add_parser("fire", parents=[parents.common, parents.acting], help="fire a trigger on a case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("trigger", metavar="TRIGGER")
    p.set_defaults(run=cmd_fire)

    p = sub.add_parser("status", parents=viewing, help="a case's state, documents and history")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser(
        "available", parents=[parents.common, parents.acting], help="what an actor can fire now, and why not"
    )
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_available)

    p = sub.add_parser("render", parents=viewing, help="render a case document to Markdown or HTML")
    p.add_argument("case", metavar="CASE")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("--format", choices=["md", "html"], default="md")
    p.add_argument("--version", type=int, help="document version (default: latest)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_render)

    p = sub.add_parser("history", parents=viewing, help="every event of a case, in order")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_history)

    p = sub.add_parser(
        "list",
        parents=viewing,
        help="cases, filtered by process, state, stage, role, overdue",
    )
    p.add_argument("--process", help="process id")
    p.add_argument("--state", help="state id")
    p.add_argument("--stage", help="stage id (needs --process)")
    p.add_argument("--role", help="cases whose current state this role owns (needs --process)")
    p.add_argument("--overdue", action="store_true", help="only cases with an obligation past due (at --now)")
    p.add_argument("--limit", type=positive, metavar="N", help="at most N cases (default: all, printed as read)")
    p.add_argument("--after", metavar="CASE", help="start after this case: the next page of an earlier list")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_list)


def cmd_start(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..datafiles import read_data  # here: reading a case needs no YAML parser

    engine = engine_for(args)
    data = read_data(args.data) if args.data else None
    if data is not None and not isinstance(data, dict):
        raise InputError(f"{args.data}: case data must be a mapping")
    process: Any = args.process
    if process.endswith((".yaml", ".yml")) or os.sep in process:
        process = engine.register(load_process(args, process))
    case = engine.start(process, args.actor, data=data, case_id=args.case_id)
    print(case.id, file=out)
    return 0


def cmd_submit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..datafiles import read_data

    engine = engine_for(args)
    data = read_data(args.data)
    before = engine.get(args.case)
    case = engine.submit(before, args.document, data, args.actor)
    for event in case.history[before.version :]:
        print(_submitted_line(event), file=out)
    return 0


def _submitted_line(event: Event) -> str:
    """What a submit did, one line per event: a document version, or a soft rule's breach on record."""
    if event.kind == "breach":
        data = event.data or {}
        name = data.get("ref") or data.get("deadline")
        return (
            f"breach {name}: {data.get('field')} {data.get('value')} is before the earliest allowed "
            f"{data.get('earliest')}; accepted and recorded"
        )
    return f"{event.kind} {event.document} v{event.document_version} ({(event.document_hash or '')[:12]})"


def cmd_publish(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..datafiles import read_data

    engine = engine_for(args)
    version = engine.publish(args.process, args.document, read_data(args.data), args.actor)
    print(f"published {version.document} v{version.version} ({version.hash[:12]})", file=out)
    return 0


def cmd_fire(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    before = engine.get(args.case)
    case = engine.fire(before, args.trigger, args.actor)
    where = f" ({' ‖ '.join(case.leaves)})" if case.leaves else ""
    print(f"{case.id}: {before.state} --{args.trigger}--> {case.state}{where}", file=out)
    return 0


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    case = engine.get(args.case, viewer=viewer(args))
    definition = engine.definition(case.process_id, case.definition_hash)
    zone, lang = zone_of(definition), language(args, definition)
    info = describe_case(case, definition, lang, zone)
    now = engine.clock.now()
    info["deadlines"] = [describe_obligation(o, now, zone, lang) for o in engine.deadlines(case, now)]
    if args.json:
        print_json(info, out)
        return 0
    words = translator(lang)
    rows = [
        (words._("state"), f"{info['state']}  {info['state_title']}"),
        (words._("regions"), " ‖ ".join(info["active"])),
        (words._("stage"), f"{info['stage']}  {info['stage_title']}"),
        (words._("pipeline"), info["pipeline"] or ""),
        (words._("owner"), words.named(info["owner"], definition.roles[info["owner"]].title) if info["owner"] else "-"),
        (words._("assignee"), info["assignee"] or ""),
    ]
    head = words._("case {id}", id=info["id"])
    print(f"{head}  ({info['process']}@{info['version']} #{info['definition_hash'][:12]})", file=out)
    print(words._("  (times in {zone})", zone=zone), file=out)
    width = max(columns(label) for label, _ in rows) + 2
    for label, value in rows:
        if value or label in (words._("state"), words._("stage"), words._("owner")):
            print(f"  {pad(label, width)}{value}", file=out)
    print("  " + words._("documents"), file=out)
    for doc in info["documents"]:
        at = instant(datetime.fromisoformat(doc["at"]), zone)
        print(
            "    "
            + words._(
                "{document} v{version} by {person} at {at}",
                document=doc["id"],
                version=doc["version"],
                person=doc["by"],
                at=at,
            ),
            file=out,
        )
    print("  " + words._("deadlines"), file=out)
    for item in info["deadlines"]:
        print(f"    {obligation_line(item, zone, lang)}", file=out)
    print("  " + words._("history"), file=out)
    for line in info["history"]:
        print(f"    {line}", file=out)
    return 0


def cmd_available(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    for option in engine.available(args.case, args.actor):
        mark = "yes" if option.allowed else "no "
        why = "" if option.allowed else "  — " + "; ".join(option.reasons)
        what = (
            f"sign {option.trigger} on {option.dest}" if option.kind == "sign" else f"{option.trigger} → {option.dest}"
        )
        print(f"{mark} {what}{why}", file=out)
    return 0


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    text = engine.render(
        args.case,
        args.document,
        format="html" if args.format == "html" else "markdown",
        version=args.version,
        lang=getattr(args, "lang", None),
        viewer=viewer(args),
    )
    emit(text, args.output, out)
    return 0


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    case = engine.get(args.case, viewer=viewer(args))
    definition = engine.definition(case.process_id, case.definition_hash)
    zone, lang = zone_of(definition), language(args, definition)
    for event in case.history:
        line = describe_event(event, zone, definition, lang)
        print(f"{event.seq:>4}  {line}  [{event.definition_hash[:12]}]", file=out)
    return 0


def cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    found = engine.case_rows(
        args.process,
        state=args.state,
        stage=args.stage,
        role=args.role,
        overdue_at=engine.clock.now() if args.overdue else None,
        viewer=viewer(args),
        after=args.after,
        limit=args.limit,
    )
    rows = case_rows(found, engine.definition, times=args.json)  # the table shows no times
    if args.json:
        stream_json(rows, out)
        return 0
    line = "{:<20} {:<14} {:<14} {:<22} {}"
    shown = 0
    for row in rows:  # streamed: the header comes with the first row
        if not shown:
            print(line.format("CASE", "PROCESS", "STAGE", "STATE", "OWNER"), file=out)
        shown += 1
        process = f"{row['process']}@{row['version']}"
        print(line.format(row["id"], process, row["stage"], row["state"], row["owner"] or "-"), file=out)
    if not shown:
        filtered = any((args.process, args.state, args.stage, args.role, args.overdue))
        print("no case matches these filters" if filtered else "no cases in this store yet", file=out)
    return 0
