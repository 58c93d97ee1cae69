"""Process files: validate, show, graph, handbook, simulate, diff — what a file says, before any case runs."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..clock import FixedClock
from ..errors import InputError, ProcflowError
from ..i18n import translator
from ..presentation import outline, zone_of
from .options import (
    Parents,
    Subcommands,
    engine_for,
    language,
    load_process,
    process_path,
    version_hash,
)
from .output import emit, print_json

if TYPE_CHECKING:  # the loader and the engine are imported by the handlers: `procflow --help` lists this area too
    from ..definition.model import ProcessDefinition

VALIDATE_HELP = """\
Check process files. Every problem is printed on one line, gcc style, so editors can jump to it:

  FILE:LINE:COLUMN: error: MESSAGE (at JSON.PATH)
  FILE:LINE:COLUMN: warning: MESSAGE (at JSON.PATH)

Exit status: 0 when every file is valid, 1 when any has an error (or, with --strict, a warning),
2 on a usage error such as a file that does not exist.
"""


def _definition_from(spec: str, args: argparse.Namespace) -> ProcessDefinition:
    """A file; REV:path read from git; or PROCESS@VERSION (label or hash prefix) from the store."""
    from ..definition.revisions import is_revision_spec, load_revision

    if Path(spec).is_file():
        return load_process(args, Path(spec))
    if is_revision_spec(spec):
        return load_revision(spec)
    if "@" in spec:
        process, wanted = spec.split("@", 1)
        engine = engine_for(args)
        return engine.definition(process, version_hash(engine, process, wanted))
    raise InputError(f"{spec}: no such file (use a file, REV:path, or PROCESS@VERSION with --db)")


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser(
        "validate",
        parents=[parents.files],
        help="check process files",
        description=VALIDATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser(
        "show", parents=[parents.files], help="outline a process: stages, states, roles, documents, deadlines"
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser(
        "graph", parents=[parents.files], help="draw a process: Mermaid, Graphviz DOT, or SVG (needs Graphviz)"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=["mermaid", "mermaid-state", "dot", "svg"], default="mermaid")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_graph)

    p = sub.add_parser("handbook", parents=[parents.files], help="a standalone HTML handbook of a process for the team")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="FILE", default="handbook.html", help="default handbook.html")
    p.set_defaults(run=cmd_handbook)

    p = sub.add_parser(
        "simulate", parents=[parents.files], help="dry-run scenarios against a process file on a simulated clock"
    )
    p.add_argument("file", metavar="FILE", help="the process file")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (schemas/scenario.schema.json)")
    p.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    p.set_defaults(run=cmd_simulate)

    p = sub.add_parser(
        "diff",
        parents=[parents.common, parents.files],
        help="semantic diff of two process versions (exit 0 equal, 1 different, 2 error)",
    )
    p.add_argument("old", metavar="OLD", help="a file, REV:path from git, or PROCESS@VERSION from the store (--db)")
    p.add_argument("new", metavar="NEW", help="same forms as OLD")
    p.add_argument("--format", choices=["text", "md", "html"], default="text")
    p.add_argument("--json", action="store_true", help="the stable JSON shape (docs/process-format.md)")
    p.add_argument("--cases", action="store_true", help="list the running cases of OLD the change affects (--db)")
    p.set_defaults(run=cmd_diff)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..definition.loader import check

    failed = False
    for name in args.files:
        result = check(process_path(name), schemas_dir=args.schemas, templates_dir=args.templates)
        for problem in result.problems:
            print(problem, file=out)
        if result.errors or (args.strict and result.warnings):
            failed = True
        elif result.definition is not None:
            print(f"{name}: ok ({result.definition.key}, {len(result.warnings)} warning(s))", file=out)
    return 1 if failed else 0


def cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    definition = load_process(args, args.file)
    out.write(outline(definition, language(args, definition)))
    return 0


def cmd_graph(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import graph

    definition = load_process(args, args.file)
    emit(graph.render(definition, args.format, language(args, definition)), args.output, out)
    return 0


def cmd_handbook(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import handbook

    path = process_path(args.file)
    definition = load_process(args, path)
    examples = handbook.example_documents(definition, handbook.scenarios_beside(path, definition.id))
    emit(handbook.build(definition, lang=language(args, definition), examples=examples), args.output, out)
    return 0


def cmd_simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..demo import print_step
    from ..runtime.engine import Engine
    from ..scenario import read_scenario, run_scenario

    definition = load_process(args, args.file)
    zone = zone_of(definition)
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


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import diff, diff_text
    from ..affected import affected_cases

    try:
        old = _definition_from(args.old, args)
        new = _definition_from(args.new, args)
    except ProcflowError as exc:
        print(f"procflow: error: {exc.message}", file=err)
        return 2
    lang = "en" if args.json else language(args, new)  # the JSON format's words are English in every language
    changes = diff.compare(old, new, lang)
    if args.json:
        print_json(diff_text.as_json(old, new, changes), out)
    elif args.format == "html":
        from ..rendering import markdown_page

        page = diff_text.as_text(old, new, changes, markdown=True, lang=lang)
        out.write(markdown_page(page, f"{new.id} · {new.title.get(lang)}", lang))
    else:
        out.write(diff_text.as_text(old, new, changes, markdown=args.format == "md", lang=lang))
    if args.cases and changes:
        print("\n" + translator(lang)._("running cases affected:"), file=out)
        for affected in affected_cases(engine_for(args).store, old, new, changes):
            print(f"  {affected.case_id} ({affected.state}): " + "; ".join(affected.notes), file=out)
    return 1 if changes else 0
