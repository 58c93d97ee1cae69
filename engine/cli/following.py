"""`procflow follow / unfollow / followers`: who hears of a case's moves, on the command line.

An area module of the CLI: `register(sub, parents)` adds the subcommands beside their handlers. The rule
(starter and assignee by default, only a case the person may see) is the engine's (`Engine.follow`).
"""

from __future__ import annotations

import argparse
from typing import TextIO

from .options import Parents, Subcommands, engine_for
from .output import print_json


def register(sub: Subcommands, parents: Parents) -> None:
    common = parents.common
    p = sub.add_parser("follow", parents=[common, parents.acting], help="hear of every move of a case")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_follow)
    p = sub.add_parser("unfollow", parents=[common, parents.acting], help="stop hearing of a case's moves")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(run=cmd_unfollow)
    p = sub.add_parser("followers", parents=[common, parents.viewing], help="who hears of a case's moves")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_followers)


def _show(case_id: str, followers: list[str], out: TextIO) -> None:
    print(f"{case_id}: followed by {', '.join(followers)}" if followers else f"{case_id}: nobody follows it", file=out)


def cmd_follow(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _show(args.case, engine_for(args).follow(args.case, args.actor.user), out)
    return 0


def cmd_unfollow(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _show(args.case, engine_for(args).unfollow(args.case, args.actor.user), out)
    return 0


def cmd_followers(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    viewer = args.viewer.user if args.viewer else None
    followers = engine_for(args).followers(args.case, viewer=viewer)
    if args.json:
        print_json({"case": args.case, "followers": followers}, out)
    else:
        _show(args.case, followers, out)
    return 0
