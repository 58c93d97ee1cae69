"""Proof and review: verify the hash chains, checkpoint, a case's audit report, the sales review report."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..errors import UsageError
from ..i18n import translator
from ..presentation import zone_of
from . import evidence
from .options import (
    Parents,
    Subcommands,
    engine_for,
    in_zone,
    instant_or_date,
    language,
    viewer,
)
from .output import emit


def register(sub: Subcommands, parents: Parents) -> None:
    viewing = [parents.common, parents.viewing]
    p = sub.add_parser(
        "verify", parents=[parents.common], help="prove the history was not edited: chains, heads, checkpoints"
    )
    p.add_argument("--checkpoint", metavar="DIGEST", help="also check that a digest you wrote down is on record")
    p.add_argument(
        "--trust", action="append", metavar="PUBKEY", help="check the signed checkpoints from this public key"
    )
    p.set_defaults(run=cmd_verify)

    p = sub.add_parser(
        "audit",
        parents=viewing,
        help="a case's audit report: timeline, deadlines, documents, proof",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["md", "html", "json"], default="md")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--bundle", metavar="ZIP", help="write the case's evidence pack (verify with verify-bundle)")
    p.set_defaults(run=cmd_audit)

    p = sub.add_parser(
        "report",
        parents=viewing,
        help="the sales review: funnel, stage times, deadlines, losses",
    )
    p.add_argument("--process", default="sales", help="process id (default sales)")
    p.add_argument("--from", dest="start", type=instant_or_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="end", type=instant_or_date, required=True, metavar="DATE", help="exclusive")
    p.add_argument("--format", choices=["html", "csv", "json"], default="html")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(run=cmd_report)

    p = sub.add_parser(
        "checkpoint", parents=[parents.common], help="seal every case's head under one digest to write down"
    )
    p.add_argument("--sign", metavar="KEY", help="sign the checkpoint with this Ed25519 private key file")
    p.add_argument("--introduce", metavar="PUBKEY", help="with --sign: hand signing over to this new key")
    p.set_defaults(run=cmd_checkpoint)


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import audit

    if args.trust:
        return evidence.verify_trusted(args, out, err)
    verdict = audit.verify(engine_for(args).store, digest_written_down=args.checkpoint)
    for problem in verdict.problems:
        print(problem, file=out)
    words = translator(language(args))
    summary = words._(
        "{cases} case(s), {events} event(s), {checkpoints} checkpoint(s)",
        cases=verdict.cases,
        events=verdict.events,
        checkpoints=verdict.checkpoints,
    )
    verdict_word = words._("ok") if verdict.ok else words._("TAMPERED")
    print(words._("{verdict}: {summary}", verdict=verdict_word, summary=summary), file=out)
    return 0 if verdict.ok else 1


def cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..reports import case_audit

    if args.bundle:
        return evidence.bundle(args, out, err)
    engine = engine_for(args)
    case = engine.get(args.case, viewer=viewer(args))
    definition = engine.definition(case.process_id, case.definition_hash)
    lang = language(args, definition)
    data = case_audit.audit_data(engine, case.id, engine.clock.now(), zone_of(definition), lang)
    emit(case_audit.render(data, args.format, lang), args.output, out)
    return 0 if data["verify"]["ok"] else 1


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..reports import review, review_page

    engine = engine_for(args)
    definition = engine.definition(args.process)
    zone, lang = zone_of(definition), language(args, definition)
    start, end = in_zone(args.start, zone), in_zone(args.end, zone)  # the process's days, not UTC's
    if end <= start:
        raise UsageError("--to must be after --from")
    data = review.figures(engine, args.process, review.Period(start, end), engine.clock.now(), lang, viewer(args))
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = review_page.csv_text(data)
    else:
        text = review_page.html(data, definition.title.get(lang), lang)
    emit(text, args.output, out)
    return 0


def cmd_checkpoint(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import audit

    if args.sign:
        return evidence.sign(args, out, err)
    if args.introduce:
        raise UsageError("--introduce needs --sign KEY (the key in charge vouches for the new one)")
    engine = engine_for(args)
    number, digest = audit.checkpoint(engine.store, engine.clock.now())
    words = translator(language(args))
    print(words._("checkpoint {number}: {digest}", number=number, digest=digest[:32]), file=out)
    print(words._("write the digest down; 'procflow verify --checkpoint DIGEST' proves the history since"), file=err)
    return 0
