"""Running the store: versions, migrate between them, export/import of cases, and the demo."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..datafiles import read_data
from ..errors import UsageError
from .options import (
    Parents,
    Subcommands,
    engine_for,
    version_hash,
)
from .output import emit


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser("export", parents=[parents.common], help="a case, its definition version and events, as JSON")
    p.add_argument("case", metavar="CASE")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("import", parents=[parents.common], help="rebuild an exported case in this store")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("versions", parents=[parents.common], help="the stored versions of a process")
    p.add_argument("process", metavar="PROCESS")
    p.set_defaults(run=cmd_versions)

    p = sub.add_parser(
        "migrate", parents=[parents.common, parents.acting], help="move cases to another version of their process"
    )
    p.add_argument("case", nargs="?", metavar="CASE", help="one case (or use --all with --process)")
    p.add_argument("--to", required=True, metavar="VERSION", help="a content hash (or its start), or a version label")
    p.add_argument("--all", action="store_true", help="every running case of --process")
    p.add_argument("--process", help="with --all: the process")
    p.add_argument("--check", action="store_true", help="only report what would break")
    p.add_argument("--force", action="store_true", help="move even if something would break")
    p.set_defaults(run=cmd_migrate)

    p = sub.add_parser("demo", parents=[parents.common], help="walk the sales process end to end")
    p.add_argument("--out", default="demo-output", metavar="DIR", help="folder for rendered documents")
    p.add_argument("--process", metavar="FILE", help="sales process file (default: processes/sales.yaml)")
    p.set_defaults(run=cmd_demo)


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    emit(json.dumps(engine_for(args).export_case(args.case), ensure_ascii=False, indent=2) + "\n", args.output, out)
    return 0


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    case = engine_for(args).import_case(read_data(args.file))
    print(f"imported {case.id}: {len(case.history)} events, state {case.state}", file=out)
    return 0


def cmd_versions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    versions = engine.versions(args.process)
    if not versions:
        raise UsageError(f"process {args.process!r} has no stored versions")
    counts = engine.store.count_by_definition(args.process)
    for number, (digest, _, label) in enumerate(versions, 1):
        running = counts.get(digest, 0)
        print(f"{number:>3}  {label:<10} {digest[:12]}  {running} case(s)", file=out)
    return 0


def cmd_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    if args.all == bool(args.case):
        raise UsageError("name one CASE, or use --all --process PROCESS")
    if args.all and not args.process:
        raise UsageError("--all needs --process")
    process = args.process or engine.get(args.case).process_id
    target = version_hash(engine, process, args.to)
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


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..demo import run_demo

    code = run_demo(out, db=args.db, output_dir=args.out, process=args.process, now=args.now)
    _demo_sign_ins(args, out)
    return code


def _demo_sign_ins(args: argparse.Namespace, out: TextIO) -> None:
    """Leave the web app one command away: a fresh password for each active person of the demo team, printed
    once (stored only as its argon2 hash), and the command that serves the store."""
    import secrets

    from ..server.accounts import set_password

    engine = engine_for(args)
    now = engine.clock.now()
    people = [p for p in engine.directory.roster().people.values() if p.active]
    print("\nsign in to the web app as any of the demo team (passwords made now, shown once):", file=out)
    for person in sorted(people, key=lambda p: p.id):
        password = secrets.token_urlsafe(9)
        set_password(engine.store, person.id, password, now)
        print(f"  {person.id:<14} {password:<14} {person.name}", file=out)
    db = f" --db {args.db}" if args.db else ""
    print(f"then: procflow serve{db}   and open http://127.0.0.1:8000/app/", file=out)
