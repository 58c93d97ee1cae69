"""The outbox: list messages and their delivery, send dead ones again, set some aside; the worker's delivery round."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from ..errors import UsageError
from ..i18n import instant
from ..store.outbox import STATUSES
from .options import Parents, Subcommands, command_zone, engine_for, notify_config, positive
from .output import print_json

if TYPE_CHECKING:  # the outbox package is imported by the handlers: `procflow --help` lists this area too
    from ..store.base import Store


def register(sub: Subcommands, parents: Parents) -> None:
    outbox = sub.add_parser("outbox", help="messages to people: list, retry, discard")
    verbs = outbox.add_subparsers(dest="verb", required=True, parser_class=type(outbox))

    p = verbs.add_parser("list", parents=[parents.common], help="messages and how their delivery stands")
    p.add_argument("--status", choices=STATUSES, help="only messages in this state")
    p.add_argument("--case", metavar="CASE", help="only messages about this case")
    p.add_argument("--limit", type=positive, default=100, help="at most this many (default 100)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_list)

    p = verbs.add_parser("retry", parents=[parents.common], help="send dead (or discarded) messages again")
    p.add_argument("keys", nargs="*", metavar="KEY", help="message keys or their start; none: every dead message")
    p.set_defaults(run=cmd_retry)

    p = verbs.add_parser("discard", parents=[parents.common], help="set pending or dead messages aside for good")
    p.add_argument("keys", nargs="+", metavar="KEY", help="message keys or their start")
    p.set_defaults(run=cmd_discard)


def cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..notify.delivery import outbox_of
    from ..notify.rows import row_view
    from ..notify.wording import stored_wording

    engine = engine_for(args)
    store, wording = outbox_of(engine.store), stored_wording(engine.store)
    rows = [row_view(r, wording) for r in store.outbox_list(status=args.status, case_id=args.case, limit=args.limit)]
    if args.json:
        print_json(rows, out)
        return 0
    if not rows:
        print("the outbox is empty" if not (args.status or args.case) else "no such messages", file=out)
    zone = command_zone(args, engine.store) or UTC
    for r in rows:
        when = instant(datetime.fromisoformat(r["sent_at"] or r["next_at"]), zone)
        print(
            f"{r['key'][:12]}  {r['status']:<9} {r['attempts']:>2}x  {r['kind']:<10} {r['case']:<20} "
            f"{r['person']}@{r['channel']}  {when}  {r['subject']}"
            + (f"\n              last error: {r['last_error']}" if r["last_error"] and r["status"] != "sent" else ""),
            file=out,
        )
    return 0


def cmd_retry(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..notify.delivery import outbox_of

    engine = engine_for(args)
    changed = outbox_of(engine.store).outbox_retry(args.keys or None, engine.clock.now())
    print(f"{changed} message(s) will be sent again", file=out)
    return 0 if changed or not args.keys else 1


def cmd_discard(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..notify.delivery import outbox_of

    changed = outbox_of(engine_for(args).store).outbox_discard(args.keys)
    print(f"{changed} message(s) discarded", file=out)
    return 0 if changed else 1


def delivery_for(args: argparse.Namespace, store: Store, worker: str, out: TextIO) -> Callable[[datetime], None] | None:
    """The worker's delivery round when a notify configuration is given (None: the worker only ticks)."""
    config = notify_config(args)
    if config is None:
        return None
    if not config.channels:
        raise UsageError(f"{config.source} configures no channel; the worker has nothing to deliver with")
    from ..notify import Delivery
    from ..notify.delivery import outbox_of
    from ..notify.wording import stored_wording

    delivery = Delivery(outbox_of(store), config.channels, worker, stored_wording(store), config.backoff, config.lease)

    def deliver(now: datetime) -> None:
        outcome = delivery.run_once(now)
        if outcome.sent or outcome.retried or outcome.dead:
            print(f"outbox: {outcome.sent} sent, {outcome.retried} to retry, {outcome.dead} dead", file=out, flush=True)
        for error in outcome.errors:
            print(f"outbox: {error}", file=out, flush=True)

    return deliver
