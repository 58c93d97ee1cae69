"""Sign-off rounds from the command line: sign (approve / reject with a comment), add or remove a signer."""

from __future__ import annotations

import argparse
from typing import TextIO

from .options import Parents, Subcommands, engine_for


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser(
        "sign", parents=[parents.common, parents.acting], help="give a verdict on a case's sign-off round"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("verdict", choices=["approve", "reject"])
    p.add_argument("--comment", default="", help="what goes with the verdict")
    p.add_argument("--state", help="the state whose round is meant, when several are open (regions)")
    p.set_defaults(run=cmd_sign)

    p = sub.add_parser(
        "signers", parents=[parents.common, parents.acting], help="add (加签) or remove (减签) a signer of a round"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("change", choices=["add", "remove"])
    p.add_argument("role", metavar="ROLE")
    p.add_argument("--state", help="the state whose round is meant, when several are open (regions)")
    p.set_defaults(run=cmd_signers)


def cmd_sign(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    before = engine.get(args.case)
    case = engine.sign(before, args.verdict, args.actor, comment=args.comment, state=args.state)
    print(f"{case.id}: {args.actor} signed {args.verdict}", file=out)
    _report(case.state, before.state, out)
    return 0


def cmd_signers(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    before = engine.get(args.case)
    change = engine.add_signer if args.change == "add" else engine.remove_signer
    case = change(before, args.role, args.actor, state=args.state)
    print(f"{case.id}: {args.role} {'added to' if args.change == 'add' else 'removed from'} the round", file=out)
    _report(case.state, before.state, out)
    return 0


def _report(state: str, before: str, out: TextIO) -> None:
    if state != before:
        print(f"  the round is decided: {before} → {state}", file=out)
