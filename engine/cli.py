"""`procflow`: a thin command line over the library. Parse, call, print, exit code.

Exit codes: 0 ok; 1 invalid definition (validate) or other error; 2 usage or
unreadable input; 3 refused by the process; 4 store error; 70 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from engine import cli_team, cli_work
from engine.clock import Clock, FixedClock, SystemClock
from engine.datafiles import read_data
from engine.definition.loader import check, load
from engine.definition.model import ProcessDefinition
from engine.errors import InputError, ProcflowError, UsageError
from engine.presentation import describe_case, describe_event, describe_obligation, obligation_line, outline, span
from engine.records import Actor, Event
from engine.runtime.engine import Engine
from engine.store.base import default_url, open_store

VALIDATE_HELP = """\
Check process files. Every problem is printed on one line, gcc style, so editors can jump to it:

  FILE:LINE:COLUMN: error: MESSAGE (at JSON.PATH)
  FILE:LINE:COLUMN: warning: MESSAGE (at JSON.PATH)

Exit status: 0 when every file is valid, 1 when any has an error (or, with --strict, a warning),
2 on a usage error such as a file that does not exist.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit 2 itself
        raise UsageError(f"{message}\n(see '{self.prog} --help')")


def _actor(text: str) -> Actor:
    try:
        return Actor.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _instant_or_date(text: str) -> datetime:
    if len(text) == 10:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-01") from None
    return _instant(text)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time like 2026-10-08T09:00+08:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset, e.g. 2026-10-08T09:00+08:00")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--db", metavar="URL", help=f"store URL (default $PROCFLOW_DB or {default_url()})")
    common.add_argument("--now", type=_instant, metavar="ISO", help="act as if it were this time (what-if runs)")
    acting = _Parser(add_help=False)
    acting.add_argument(
        "--as",
        dest="actor",
        type=_actor,
        required=True,
        metavar="PERSON[:ROLE]",
        help="who acts: a person of the team directory (and, if they hold several roles, which one)",
    )

    viewing = _Parser(add_help=False)
    viewing.add_argument(
        "--as",
        dest="viewer",
        type=_actor,
        metavar="PERSON",
        help="read as this person: only cases they may see (without it: the operator's full view)",
    )

    parser = _Parser(prog="procflow", description="Run declarative YAML business processes.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "validate",
        help="check process files",
        description=VALIDATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("show", help="outline a process: stages, states, roles, documents, deadlines")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--lang", help="language of titles, e.g. en or zh-CN")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("start", parents=[common, acting], help="start a case")
    p.add_argument(
        "process", metavar="FILE|PROCESS", help="a process file (registered if new) or a registered process id"
    )
    p.add_argument("--id", dest="case_id", help="case id (default: generated)")
    p.add_argument("--data", metavar="FILE", help="case data (JSON or YAML mapping)")
    p.set_defaults(run=cmd_start)

    p = sub.add_parser("submit", parents=[common, acting], help="submit a document version to a case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("data", metavar="FILE", help="the document's data (JSON or YAML)")
    p.set_defaults(run=cmd_submit)

    p = sub.add_parser("publish", parents=[common, acting], help="publish a shared document of a process")
    p.add_argument("process", metavar="PROCESS")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("data", metavar="FILE", help="the document's data (JSON or YAML)")
    p.set_defaults(run=cmd_publish)

    p = sub.add_parser("fire", parents=[common, acting], help="fire a trigger on a case")
    p.add_argument("case", metavar="CASE")
    p.add_argument("trigger", metavar="TRIGGER")
    p.set_defaults(run=cmd_fire)

    p = sub.add_parser("status", parents=[common, viewing], help="a case's state, documents and history")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--lang", help="language of titles")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("available", parents=[common, acting], help="what an actor can fire now, and why not")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_available)

    p = sub.add_parser("overdue", parents=[common], help="every open obligation past due, across all cases")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--lang", help="language of titles")
    p.set_defaults(run=cmd_overdue)

    p = sub.add_parser("tick", parents=[common], help="record reminders and escalations that are due (once each)")
    p.set_defaults(run=cmd_tick)

    p = sub.add_parser("worker", parents=[common], help="run the deadline loop; many workers may share a store")
    p.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    p.add_argument("--batch", type=_positive, default=50, help="cases claimed per round (default 50)")
    p.add_argument("--lease", type=_positive, default=60, help="seconds a claim holds (default 60)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds (default 5)")
    p.add_argument("--name", help="worker name in heartbeats (default host-pid-random)")
    p.set_defaults(run=cmd_worker)

    p = sub.add_parser(
        "list", parents=[common, viewing], help="cases, filtered by process, state, stage, role, overdue"
    )
    p.add_argument("--process", help="process id")
    p.add_argument("--state", help="state id")
    p.add_argument("--stage", help="stage id (needs --process)")
    p.add_argument("--role", help="cases whose current state this role owns (needs --process)")
    p.add_argument("--overdue", action="store_true", help="only cases with an obligation past due (at --now)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("history", parents=[common, viewing], help="every event of a case, in order")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_history)

    p = sub.add_parser("export", parents=[common], help="a case, its definition version and events, as JSON")
    p.add_argument("case", metavar="CASE")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("import", parents=[common], help="rebuild an exported case in this store")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("versions", parents=[common], help="the stored versions of a process")
    p.add_argument("process", metavar="PROCESS")
    p.set_defaults(run=cmd_versions)

    p = sub.add_parser("migrate", parents=[common, acting], help="move cases to another version of their process")
    p.add_argument("case", nargs="?", metavar="CASE", help="one case (or use --all with --process)")
    p.add_argument("--to", required=True, metavar="VERSION", help="a content hash (or its start), or a version label")
    p.add_argument("--all", action="store_true", help="every running case of --process")
    p.add_argument("--process", help="with --all: the process")
    p.add_argument("--check", action="store_true", help="only report what would break")
    p.add_argument("--force", action="store_true", help="move even if something would break")
    p.set_defaults(run=cmd_migrate)

    p = sub.add_parser("render", parents=[common, viewing], help="render a case document to Markdown or HTML")
    p.add_argument("case", metavar="CASE")
    p.add_argument("document", metavar="DOCUMENT")
    p.add_argument("--format", choices=["md", "html"], default="md")
    p.add_argument("--version", type=int, help="document version (default: latest)")
    p.add_argument("--lang", help="language of titles")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_render)

    p = sub.add_parser(
        "diff", parents=[common], help="semantic diff of two process versions (exit 0 equal, 1 different, 2 error)"
    )
    p.add_argument("old", metavar="OLD", help="a file, REV:path from git, or PROCESS@VERSION from the store (--db)")
    p.add_argument("new", metavar="NEW", help="same forms as OLD")
    p.add_argument("--format", choices=["text", "md", "html"], default="text")
    p.add_argument("--json", action="store_true", help="the stable JSON shape (docs/process-format.md)")
    p.add_argument("--cases", action="store_true", help="list the running cases of OLD the change affects (--db)")
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser("verify", parents=[common], help="prove the history was not edited: chains, heads, checkpoints")
    p.add_argument("--checkpoint", metavar="DIGEST", help="also check that a digest you wrote down is on record")
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser(
        "audit", parents=[common, viewing], help="a case's audit report: timeline, deadlines, documents, proof"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["md", "html", "json"], default="md")
    p.add_argument("--lang", help="language of titles, e.g. en or zh-CN")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser(
        "report", parents=[common, viewing], help="the sales review: funnel, stage times, deadlines, losses"
    )
    p.add_argument("--process", default="sales", help="process id (default sales)")
    p.add_argument("--from", dest="start", type=_instant_or_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="end", type=_instant_or_date, required=True, metavar="DATE", help="exclusive")
    p.add_argument("--format", choices=["html", "csv", "json"], default="html")
    p.add_argument("--lang", help="language of titles, e.g. en or zh-CN")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("checkpoint", parents=[common], help="seal every case's head under one digest to write down")
    p.set_defaults(run=cmd_checkpoint)

    p = sub.add_parser("graph", help="draw a process: Mermaid, Graphviz DOT, or SVG (needs Graphviz)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["mermaid", "dot", "svg"], default="mermaid")
    p.add_argument("--lang", help="language of titles, e.g. en or zh-CN")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_graph)

    p = sub.add_parser("handbook", help="a standalone HTML handbook of a process for the team")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--lang", help="language of titles, e.g. en or zh-CN")
    p.add_argument("-o", "--output", metavar="FILE", default="handbook.html", help="default handbook.html")
    p.set_defaults(run=cmd_handbook)

    p = sub.add_parser("simulate", help="dry-run scenarios against a process file on a simulated clock")
    p.add_argument("file", metavar="FILE", help="the process file")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (schemas/scenario.schema.json)")
    p.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    p.set_defaults(run=cmd_simulate)

    p = sub.add_parser("demo", parents=[common], help="walk the sales process end to end")
    p.add_argument("--out", default="demo-output", metavar="DIR", help="folder for rendered documents")
    p.add_argument("--process", metavar="FILE", help="sales process file (default: processes/sales.yaml)")
    p.set_defaults(run=cmd_demo)
    cli_team.register(sub, (common, acting))
    cli_work.register(sub, (common, acting))
    return parser


def _engine(args: argparse.Namespace) -> Engine:
    clock: Clock = FixedClock(args.now) if getattr(args, "now", None) else SystemClock()
    return Engine(open_store(args.db), clock=clock)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    failed = False
    for name in args.files:
        if not Path(name).is_file():
            raise InputError(f"{name}: no such file")
        result = check(name)
        for problem in result.problems:
            print(problem, file=out)
        if result.errors or (args.strict and result.warnings):
            failed = True
        elif result.definition is not None:
            print(f"{name}: ok ({result.definition.key}, {len(result.warnings)} warning(s))", file=out)
    return 1 if failed else 0


def cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(outline(load(args.file), args.lang))
    return 0


def cmd_start(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    data = read_data(args.data) if args.data else None
    if data is not None and not isinstance(data, dict):
        raise InputError(f"{args.data}: case data must be a mapping")
    process: Any = args.process
    if process.endswith((".yaml", ".yml")) or os.sep in process:
        process = engine.register(load(process))
    case = engine.start(process, args.actor, data=data, case_id=args.case_id)
    print(case.id, file=out)
    return 0


def cmd_submit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    data = read_data(args.data)
    before = engine.get(args.case)
    case = engine.submit(before, args.document, data, args.actor)
    for event in case.history[before.version :]:
        print(f"{event.kind} {event.document} v{event.document_version} ({(event.document_hash or '')[:12]})", file=out)
    return 0


def cmd_publish(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    version = engine.publish(args.process, args.document, read_data(args.data), args.actor)
    print(f"published {version.document} v{version.version} ({version.hash[:12]})", file=out)
    return 0


def cmd_fire(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    before = engine.get(args.case)
    case = engine.fire(before, args.trigger, args.actor)
    print(f"{case.id}: {before.state} --{args.trigger}--> {case.state}", file=out)
    return 0


def _viewer(args: argparse.Namespace) -> str | None:
    return args.viewer.user if getattr(args, "viewer", None) else None


def cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    case = engine.get(args.case, viewer=_viewer(args))
    definition = engine.definition(case.process_id, case.definition_hash)
    zone = _zone(definition)
    info = describe_case(case, definition, args.lang, zone)
    now = engine.clock.now()
    info["deadlines"] = [describe_obligation(o, now, zone, args.lang) for o in engine.deadlines(case, now)]
    if args.json:
        json.dump(info, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    print(f"case {info['id']}  ({info['process']}@{info['version']} #{info['definition_hash'][:12]})", file=out)
    print(f"  state     {info['state']}  {info['state_title']}", file=out)
    print(f"  stage     {info['stage']}  {info['stage_title']}", file=out)
    if info["pipeline"]:
        print(f"  pipeline  {info['pipeline']}", file=out)
    print(f"  owner     {info['owner'] or '-'}", file=out)
    if info["assignee"]:
        print(f"  assignee  {info['assignee']}", file=out)
    print("  documents", file=out)
    for doc in info["documents"]:
        print(f"    {doc['id']} v{doc['version']} by {doc['by']} at {doc['at']}", file=out)
    print("  deadlines", file=out)
    for item in info["deadlines"]:
        print(f"    {obligation_line(item)}", file=out)
    print("  history", file=out)
    for line in info["history"]:
        print(f"    {line}", file=out)
    return 0


def _zone(definition: Any) -> tzinfo:
    return ZoneInfo(definition.calendar.timezone) if definition.calendar else UTC


def cmd_overdue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    now = engine.clock.now()
    rows = []
    for item in engine.overdue(now):
        definition = engine.definition(item.case.process_id, item.case.definition_hash)
        info = describe_obligation(item.obligation, now, _zone(definition), args.lang)
        info["late_by"] = span(item.lateness)
        info.update(
            case=item.case.id,
            process=item.case.process_id,
            state=item.case.state,
            late_by_seconds=int(item.lateness.total_seconds()),
            missed_periods=item.missed_periods,
        )
        rows.append(info)
    if args.json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not rows:
        print(f"nothing overdue at {now.isoformat(timespec='minutes')}", file=out)
    for row in rows:
        periods = f" ({row['missed_periods']} periods missed)" if row["missed_periods"] > 1 else ""
        late = row["late_by"] or "-"
        print(
            f"{row['case']:<20} {row['state']:<22} {row['owner'] or '-':<22} {row['ref'] or row['deadline']:<5} "
            f"{row['status']:<8} late {late}{periods}  {row['title']}",
            file=out,
        )
    return 0


def _print_alert(event: Event, out: TextIO) -> None:
    data = dict(event.data or {})
    target = f"{data.get('action')} {data.get('notify') or ''}".rstrip()
    print(f"{event.case_id}: {event.kind} {data.get('ref') or data.get('deadline')} → {target}", file=out, flush=True)


def cmd_tick(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for event in _engine(args).tick():
        _print_alert(event, out)
    return 0


def cmd_worker(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.worker import Worker

    worker = Worker(
        _engine(args),
        batch=args.batch,
        lease=timedelta(seconds=args.lease),
        interval=args.interval,
        on_event=lambda event: _print_alert(event, out),
    )
    if args.name:
        worker.name = args.name
    if args.once:
        worker.run_once()
        return 0
    worker.stop_on_signals()
    print(f"worker {worker.name} started; SIGTERM or Ctrl-C stops it after the current batch", file=err, flush=True)
    worker.run()
    print(f"worker {worker.name} stopped after handling {worker.handled} case(s)", file=err)
    return 0


def cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    ids = engine.cases(
        args.process,
        state=args.state,
        stage=args.stage,
        role=args.role,
        overdue_at=engine.clock.now() if args.overdue else None,
        viewer=_viewer(args),
    )
    rows = []
    for case_id in ids:
        case = engine.get(case_id)
        definition = engine.definition(case.process_id, case.definition_hash)
        rows.append(
            {
                "id": case.id,
                "process": case.process_id,
                "version": definition.version,
                "state": case.state,
                "stage": definition.stage_of(case.state).id,
                "owner": definition.states[case.state].owner,
                "updated_at": case.updated_at.isoformat(),
            }
        )
    if args.json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    for row in [] if args.json else rows:
        print(
            f"{row['id']:<20} {row['process']}@{row['version']:<8} {row['stage']:<14} {row['state']:<22} "
            f"{row['owner'] or '-'}",
            file=out,
        )
    return 0


def cmd_history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    case = engine.get(args.case, viewer=_viewer(args))
    zone = _zone(engine.definition(case.process_id, case.definition_hash))
    for event in case.history:
        line = describe_event(event, zone)
        print(f"{event.seq:>4}  {line}  [{event.definition_hash[:12]}]", file=out)
    return 0


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _emit(json.dumps(_engine(args).export_case(args.case), ensure_ascii=False, indent=2) + "\n", args.output, out)
    return 0


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    case = _engine(args).import_case(read_data(args.file))
    print(f"imported {case.id}: {len(case.history)} events, state {case.state}", file=out)
    return 0


def cmd_versions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    versions = engine.versions(args.process)
    if not versions:
        raise UsageError(f"process {args.process!r} has no stored versions")
    for number, (digest, _, label) in enumerate(versions, 1):
        running = len([i for i in engine.cases(args.process) if engine.get(i).definition_hash == digest])
        print(f"{number:>3}  {label:<10} {digest[:12]}  {running} case(s)", file=out)
    return 0


def _target(engine: Engine, process: str, wanted: str) -> str:
    matches = [h for h, _, label in engine.versions(process) if h.startswith(wanted) or label == wanted]
    if len(matches) != 1:
        found = "no" if not matches else "several"
        raise UsageError(f"{found} stored version of {process!r} matches {wanted!r}; see 'procflow versions {process}'")
    return matches[0]


def cmd_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    if args.all == bool(args.case):
        raise UsageError("name one CASE, or use --all --process PROCESS")
    if args.all and not args.process:
        raise UsageError("--all needs --process")
    process = args.process or engine.get(args.case).process_id
    target = _target(engine, process, args.to)
    ids = [args.case] if args.case else engine.cases(process)
    refused = 0
    for case_id in ids:
        case = engine.get(case_id)
        definition = engine.definition(case.process_id, case.definition_hash)
        if case.definition_hash == target or definition.states[case.state].final:
            continue
        report = engine.check_migration(case, target)
        if args.check or (report.problems and not args.force):
            verdict = "ok" if report.safe else "would break: " + "; ".join(report.problems)
            print(f"{case_id}: {verdict}", file=out)
            refused += 0 if args.check else 1
            continue
        engine.migrate(case, target, args.actor, force=args.force)
        print(f"{case_id}: moved to {target[:12]}" + (" (forced)" if report.problems else ""), file=out)
    if refused:
        print(f"{refused} case(s) not moved; use --force to move them anyway", file=err)
    return 3 if refused else 0


def cmd_available(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    for option in engine.available(args.case, args.actor):
        mark = "yes" if option.allowed else "no "
        why = "" if option.allowed else "  — " + "; ".join(option.reasons)
        print(f"{mark} {option.trigger} → {option.dest}{why}", file=out)
    return 0


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = _engine(args)
    text = engine.render(
        args.case,
        args.document,
        format="html" if args.format == "html" else "markdown",
        version=args.version,
        lang=args.lang,
        viewer=_viewer(args),
    )
    _emit(text, args.output, out)
    return 0


def _definition_from(spec: str, args: argparse.Namespace, scratch: Path) -> ProcessDefinition:
    """A file; REV:path read from git; or PROCESS@VERSION (label or hash prefix) from the store."""
    if Path(spec).is_file():
        return load(spec)
    if ":" in spec and "@" not in spec.split(":", 1)[0]:
        rev, path = spec.split(":", 1)
        target = scratch / rev.replace("/", "_")
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", rev], capture_output=True, timeout=60)
        if archive.returncode != 0:
            raise InputError(f"{spec}: git cannot read revision {rev!r}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True, timeout=60)
        if not (target / path).is_file():
            raise InputError(f"{spec}: there is no {path} in revision {rev}")
        return load(target / path)
    if "@" in spec:
        process, wanted = spec.split("@", 1)
        engine = _engine(args)
        return engine.definition(process, _target(engine, process, wanted))
    raise InputError(f"{spec}: no such file (use a file, REV:path, or PROCESS@VERSION with --db)")


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import diff
    from engine.runtime.transfer import check_migration

    try:
        with tempfile.TemporaryDirectory() as scratch:
            old = _definition_from(args.old, args, Path(scratch) / "old")
            new = _definition_from(args.new, args, Path(scratch) / "new")
    except ProcflowError as exc:
        print(f"procflow: error: {exc.message}", file=err)
        return 2
    changes = diff.compare(old, new)
    if args.json:
        json.dump(diff.as_json(old, new, changes), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "html":
        from engine.rendering import markdown_page

        out.write(markdown_page(diff.as_text(old, new, changes, markdown=True), f"{new.id} changes", new.locale))
    else:
        out.write(diff.as_text(old, new, changes, markdown=args.format == "md"))
    if args.cases and changes:
        engine = _engine(args)
        print("\nrunning cases affected:", file=out)
        touched = {c.id for c in changes if c.element == "state"}
        for case_id in engine.cases(old.id):
            case = engine.get(case_id)
            if case.definition_hash != old.content_hash or old.states[case.state].final:
                continue
            report = check_migration(case, old, new)
            notes = list(report.problems)
            if case.state in touched:
                notes.append(f"its state {case.state!r} changed (deadlines or requirements)")
            if notes:
                print(f"  {case_id} ({case.state}): " + "; ".join(notes), file=out)
    return 1 if changes else 0


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import audit

    verdict = audit.verify(_engine(args).store, digest_written_down=args.checkpoint)
    for problem in verdict.problems:
        print(problem, file=out)
    summary = f"{verdict.cases} case(s), {verdict.events} event(s), {verdict.checkpoints} checkpoint(s)"
    print(f"{'ok' if verdict.ok else 'TAMPERED'}: {summary}", file=out)
    return 0 if verdict.ok else 1


def cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.reports import case_audit

    engine = _engine(args)
    case = engine.get(args.case, viewer=_viewer(args))
    definition = engine.definition(case.process_id, case.definition_hash)
    data = case_audit.audit_data(engine, case.id, engine.clock.now(), _zone(definition), args.lang)
    _emit(case_audit.render(data, args.format, args.lang or definition.locale), args.output, out)
    return 0 if data["verify"]["ok"] else 1


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.reports import review, review_page

    engine = _engine(args)
    definition = engine.definition(args.process)
    if args.end <= args.start:
        raise UsageError("--to must be after --from")
    period = review.Period(args.start, args.end)
    data = review.figures(engine, args.process, period, engine.clock.now(), args.lang, _viewer(args))
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = review_page.csv_text(data)
    else:
        text = review_page.html(data, f"{definition.title.get(args.lang)} · review", args.lang or definition.locale)
    _emit(text, args.output, out)
    return 0


def cmd_checkpoint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import audit

    engine = _engine(args)
    number, digest = audit.checkpoint(engine.store, engine.clock.now())
    print(f"checkpoint {number}: {digest[:32]}", file=out)
    print("write the digest down; 'procflow verify --checkpoint DIGEST' proves the history since", file=err)
    return 0


def cmd_graph(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import graph

    _emit(graph.render(load(args.file), args.format, args.lang), args.output, out)
    return 0


def cmd_handbook(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine import handbook

    definition = load(args.file)
    examples = handbook.example_documents(definition, handbook.scenarios_beside(Path(args.file), definition.id))
    _emit(handbook.build(definition, lang=args.lang, examples=examples), args.output, out)
    return 0


def cmd_simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.demo import print_step
    from engine.scenario import read_scenario, run_scenario

    definition = load(args.file)
    zone = _zone(definition)
    failed = 0
    for path in args.scenarios:
        scenario = read_scenario(path)
        clock = FixedClock(datetime.fromisoformat(scenario["start"]))
        engine = Engine(clock=clock)
        engine.register(definition)
        print(f"=== {path}: {scenario['title']}", file=out)
        show = None if args.quiet else (lambda step, case: print_step(step, case, definition, zone, out))
        result = run_scenario(scenario, engine, clock, definition.id, on_step=show)
        for failure in result.failures:
            print(f"  FAILED {failure}", file=out)
        state = result.case.state if result.case else "-"
        print(f"  {'ok' if not result.failures else 'FAILED'}: {len(result.steps)} steps, ends in {state}", file=out)
        failed += bool(result.failures)
    print(f"{len(args.scenarios) - failed} passed, {failed} failed", file=out)
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from engine.demo import run_demo

    return run_demo(args, out)


def _emit(text: str, output: str | None, out: TextIO) -> None:
    """Write to `output` (atomically) if given, else to standard output."""
    if output:
        _write_atomic(Path(output), text)
        print(f"wrote {output}", file=out)
    else:
        out.write(text)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.run
        return run(args, out, err)
    except ProcflowError as exc:
        print(f"procflow: error: {exc.message}", file=err)
        return exc.exit_code
    except KeyboardInterrupt:
        print("procflow: interrupted", file=err)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("PROCFLOW_DEBUG"):
            raise
        print(f"procflow: internal error: {type(exc).__name__}: {exc} (set PROCFLOW_DEBUG=1 for details)", file=err)
        return 70


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    main_entry()
