"""The HTTP face from the command line: `serve`, and the records it needs — accounts, API tokens, integrations."""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from ..errors import InputError, UsageError
from ..store.access import SCOPES
from .options import Parents, Subcommands, engine_for

# the loader, the app and integrations are imported by the handlers: `procflow --help` lists this area too
if TYPE_CHECKING:
    from ..runtime.engine import Engine

_LIFETIME = re.compile(r"^([1-9][0-9]{0,3})([hdw])$")


def register(sub: Subcommands, parents: Parents) -> None:
    p = sub.add_parser("serve", parents=[parents.common], help="serve the HTTP API (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--process", action="append", default=[], metavar="FILE", help="register a process file first")
    p.add_argument("--proxy-header", metavar="HEADER", help="trust this header from a local reverse proxy (SSO)")
    p.add_argument("--insecure-cookies", action="store_true", help="session cookies without Secure (plain HTTP)")
    p.set_defaults(run=cmd_serve)

    account = sub.add_parser("account", help="local accounts for people").add_subparsers(dest="verb", required=True)
    p = account.add_parser("set-password", parents=[parents.common], help="create an account or set its password")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(run=cmd_set_password)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="verb", required=True)
    p = token.add_parser("create", parents=[parents.common], help="a new API token for a person (shown once)")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--scope", choices=SCOPES, default="read")
    p.add_argument("--expires", default="30d", metavar="SPAN", help="lifetime: 12h, 30d, 8w (default 30d)")
    p.add_argument("--label", default="", help="what the token is for")
    p.set_defaults(run=cmd_token_create)
    p = token.add_parser("list", parents=[parents.common], help="tokens (never their text)")
    p.add_argument("person", nargs="?", metavar="PERSON")
    p.set_defaults(run=cmd_token_list)
    p = token.add_parser("revoke", parents=[parents.common], help="revoke a token by id")
    p.add_argument("token_id", metavar="ID")
    p.set_defaults(run=cmd_token_revoke)

    integration = sub.add_parser("integration", help="outside systems that send signed events")
    verbs = integration.add_subparsers(dest="verb", required=True)
    p = verbs.add_parser(
        "add",
        parents=[parents.common, parents.acting],
        help="set up an integration (as a directory admin): seats integration:NAME in the team directory with "
        "the acts_as role of each registered process that declares it; prints its secret once",
    )
    p.add_argument("name", metavar="NAME", help="as the process file names it under integrations:")
    p.set_defaults(run=cmd_integration_add)
    p = verbs.add_parser("rotate", parents=[parents.common], help="a new secret (the old one works 24h more)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(run=cmd_integration_rotate)
    p = verbs.add_parser("list", parents=[parents.common], help="integrations set up in this store")
    p.set_defaults(run=cmd_integration_list)


def lifetime(text: str) -> timedelta:
    match = _LIFETIME.match(text)
    if not match:
        raise UsageError(f"--expires {text!r}: write a number and h, d or w, e.g. 30d")
    amount, unit = int(match.group(1)), match.group(2)
    return {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import uvicorn

    from ..definition.loader import load
    from ..server import ServerSettings, create_app
    from ..server.protocol import protocol_for

    engine = engine_for(args)
    for path in args.process:
        engine.register(load(path))
    settings = ServerSettings(proxy_header=args.proxy_header, secure_cookies=not args.insecure_cookies)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=err)
    logging.getLogger("transitions").setLevel(logging.WARNING)  # one line per state change is not an access log
    print(f"procflow serving on http://{args.host}:{args.port} (Ctrl-C stops, finishing open requests)", file=err)
    uvicorn.run(
        create_app(engine, settings),
        host=args.host,
        port=args.port,
        access_log=False,  # procflow.access logs each request, with the person
        log_config=None,
        timeout_graceful_shutdown=10,
        server_header=False,
        http=protocol_for(settings),  # h11 with a deadline on the request head
    )
    engine.store.close()
    return 0


def _in_directory(engine: Engine, person: str) -> None:
    """Accounts and tokens are for people of the team directory (whom every action is checked against)."""
    if person not in engine.directory.roster().people:
        raise UsageError(
            f"no person {person!r} in the team directory; add them first with 'procflow team add {person}'"
        )


def cmd_set_password(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..server import accounts

    engine = engine_for(args)
    _in_directory(engine, args.person)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.person}: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the two passwords differ; nothing was changed")
    accounts.set_password(engine.store, args.person, password, engine.clock.now())
    print(f"password set for {args.person}", file=out)
    return 0


def cmd_token_create(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..server import accounts

    span = lifetime(args.expires)
    engine = engine_for(args)
    _in_directory(engine, args.person)
    text, record = accounts.create_token(engine.store, args.person, args.scope, engine.clock.now(), span, args.label)
    print(text, file=out)
    expires = record.expires_at.isoformat(timespec="minutes") if record.expires_at else "never"
    print(f"token {record.id} for {args.person}, scope {args.scope}, expires {expires}; shown only now", file=err)
    return 0


def cmd_token_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for token in engine_for(args).store.tokens(args.person):
        expires = token.expires_at.isoformat(timespec="minutes") if token.expires_at else "never"
        state = "revoked" if token.revoked_at else f"expires {expires}"
        print(f"{token.id}  {token.person:<16} {token.scopes[0]:<6} {state}  {token.label}", file=out)
    return 0


def cmd_token_revoke(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    engine = engine_for(args)
    if not engine.store.revoke_token(args.token_id, engine.clock.now()):
        raise UsageError(f"no unrevoked token {args.token_id!r}; see 'procflow token list'")
    print(f"revoked {args.token_id}", file=out)
    return 0


def cmd_integration_add(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..server import integrations
    from ..server.acting import integration_person

    engine = engine_for(args)
    secret, granted = integrations.add(engine, args.name, args.actor.user)
    print(secret, file=out)
    person = integration_person(args.name)
    if granted:
        print(f"{person} is in the team directory, granted {', '.join(granted)}", file=err)
    else:
        print(
            f"{person} is in the team directory with no role yet: no registered process declares {args.name}; "
            f"grant its acts_as role with 'procflow team grant {person} ROLE --process P'",
            file=err,
        )
    print(f"the secret of {args.name}: give it to the sending system; it is shown only now", file=err)
    return 0


def cmd_integration_rotate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..server import integrations

    engine = engine_for(args)
    print(integrations.rotate(engine.store, args.name, engine.clock.now()), file=out)
    print(f"the new secret of {args.name}; the previous one keeps working for 24 hours", file=err)
    return 0


def cmd_integration_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    for record in engine_for(args).store.integrations():
        rotated = f"rotated {record.rotated_at.isoformat(timespec='minutes')}" if record.rotated_at else "never rotated"
        print(f"{record.name:<16} added {record.created_at.isoformat(timespec='minutes')}  {rotated}", file=out)
    return 0
