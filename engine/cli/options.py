"""What every subcommand shares: the parser class, the parent options (`--db`, `--now`, `--as`), argument types,
and the engine a command runs on."""

from __future__ import annotations

import argparse
import contextlib
import os
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from ..errors import InputError, ProcflowError, UsageError
from ..files import STDIN
from ..i18n import zone_named
from ..records import Actor
from ..store.base import Store
from ..store.registry import default_url, open_store

if TYPE_CHECKING:  # the engine, the outbox and the loader are imported by the commands that use them
    from ..definition.model import ProcessDefinition
    from ..notify import NotifyConfig
    from ..runtime.engine import Engine

# argparse has no public name for what add_subparsers returns
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would print usage and exit 2 itself
        raise UsageError(f"{message}\n(see '{self.prog} --help')")


@dataclass(frozen=True)
class Parents:
    """Parent parsers a subcommand may take: `common` (--db, --now), `acting` (--as, required), `viewing`
    (--as, optional: read as that person, seeing only the cases they may see) and `files` (--schemas,
    --templates: where a process file's resources are, overriding its own keys)."""

    common: argparse.ArgumentParser
    acting: argparse.ArgumentParser
    viewing: argparse.ArgumentParser
    files: argparse.ArgumentParser

    @classmethod
    def build(cls) -> Parents:
        common = Parser(add_help=False)
        common.add_argument("--db", metavar="URL", help=f"store URL (default $PROCFLOW_DB or {default_url()})")
        common.add_argument("--now", type=instant, metavar="ISO", help="act as if it were this time (what-if runs)")
        common.add_argument(
            "--notify", metavar="FILE", help="notify configuration: channels and contacts (default $PROCFLOW_NOTIFY)"
        )
        acting = Parser(add_help=False)
        acting.add_argument(
            "--as",
            dest="actor",
            type=actor,
            required=True,
            metavar="PERSON[:ROLE]",
            help="who acts: a person of the team directory (and, if they hold several roles, which one)",
        )
        viewing = Parser(add_help=False)
        viewing.add_argument(
            "--as",
            dest="viewer",
            type=actor,
            metavar="PERSON",
            help="read as this person: only the cases they may see (without it: the operator's full view)",
        )
        files = Parser(add_help=False)
        files.add_argument(
            "--schemas", metavar="DIR", help="schema folder (default: the file's schemas: key, ../schemas)"
        )
        files.add_argument(
            "--templates", metavar="DIR", help="template folder (default: the file's templates: key, ../doc_templates)"
        )
        return cls(common, acting, viewing, files)


def viewer(args: argparse.Namespace) -> str | None:
    """The person `--as` reads as, if given."""
    found: Actor | None = getattr(args, "viewer", None)
    return found.user if found else None


def actor(text: str) -> Actor:
    try:
        return Actor.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def instant_or_date(text: str) -> date | datetime:
    """A date or a date-time as typed; read in the process's time zone later (`in_zone`)."""
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-01") from None
    return instant(text)


def instant(text: str) -> datetime:
    """A date-time as typed. Without a UTC offset it is a wall-clock time of the process's zone (`in_zone`)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date-time like 2026-10-08T09:00+08:00") from None


def add_language(parser: argparse.ArgumentParser) -> None:
    """`--lang` on `parser` and on every subcommand below it, so every command speaks the language asked for."""
    if "--lang" not in parser._option_string_actions:
        parser.add_argument(
            "--lang", metavar="LANG", help="language of the output: en or zh-CN (default: the process's locale)"
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                add_language(child)


def language(args: argparse.Namespace, definition: ProcessDefinition | None = None) -> str:
    """The language of this run: `--lang`, else the process's `locale`, else the environment."""
    from .. import i18n

    return i18n.choose(getattr(args, "lang", None), definition.locale if definition else None)


def in_zone(value: date | datetime, zone: tzinfo) -> datetime:
    """What the user typed, read in `zone` (a date: its midnight there; a time without offset: that time there)."""
    from .. import i18n

    return i18n.read_instant(value, zone)


def command_zone(args: argparse.Namespace, store: Store) -> tzinfo | None:
    """The zone of what the command names: its process file, case or process, else the one zone all stored
    processes share (UTC for an empty store); None when they do not share one."""
    from ..presentation import zone_of
    from ..runtime.engine import Engine

    process = getattr(args, "process", None)
    if isinstance(process, str) and process.endswith((".yaml", ".yml")):
        return zone_of(load_process(args, process))
    case_id = getattr(args, "case", None)
    if isinstance(case_id, str):
        with contextlib.suppress(ProcflowError):  # the command itself says the case does not exist
            process = store.get(case_id).process_id
    engine = Engine(store)
    zones = {str(zone_of(engine.definition(pid, h))) for h, pid, _ in store.definitions() if process in (None, pid)}
    return zone_named(zones.pop() if zones else None) if len(zones) <= 1 else None


def process_path(spec: str) -> Path:
    """A process file, or the name of a process procflow ships (`sales`, `complaint`) when no such file exists."""
    path = Path(spec)
    if path.is_file() or spec == STDIN:
        return path
    if spec.isidentifier() and not path.suffix:
        from .. import shipped

        return shipped.process_file(spec)
    raise InputError(f"{spec}: no such file")


def load_process(args: argparse.Namespace, spec: str | Path) -> ProcessDefinition:
    """Load a process file (or a shipped process by name) with the --schemas/--templates folders, if given."""
    from ..definition.loader import load

    path = spec if isinstance(spec, Path) else process_path(spec)
    return load(path, schemas_dir=getattr(args, "schemas", None), templates_dir=getattr(args, "templates", None))


def engine_for(args: argparse.Namespace) -> Engine:
    """The engine on the store `--db` names, on the clock `--now` fixes (or the real one), telling people of its
    events through the outbox when a notify configuration is given: the configuration's contacts if it lists
    any, else the people of the team directory (with the configuration's choices for them)."""
    from ..clock import Clock, FixedClock, SystemClock
    from ..people.directory import StoreDirectory
    from ..runtime.engine import Engine

    store = open_store(args.db, create=not reads_only(args))
    now: datetime | None = getattr(args, "now", None)
    if now is not None and now.tzinfo is None:
        zone = command_zone(args, store)
        if zone is None:
            raise UsageError(
                f"--now {now.isoformat()}: give a UTC offset (e.g. {now.isoformat()}+08:00); "
                "the processes here do not share one time zone"
            )
        now = args.now = in_zone(now, zone)
    clock: Clock = FixedClock(now) if now is not None else SystemClock()
    config = notify_config(args)
    directory = StoreDirectory(store)
    outbox = None
    if config is not None:
        from ..notify import DirectoryRecipients, Notifier

        own = DirectoryRecipients(directory, config.preferences, store=store)  # people's own settings first
        recipients = config.contacts if config.contacts else own
        outbox = Notifier(recipients, config.channels, config.default_channels, follows=store.following)
    return Engine(store, clock=clock, outbox=outbox, directory=directory)


READ_ONLY = frozenset(  # commands (and `command verb`s) that only read a store: they never create one
    {
        "status", "available", "render", "history", "list", "signers", "overdue", "verify", "audit", "report",
        "versions", "export", "followers", "inbox", "outbox list", "team list", "team show", "token list",
        "integration list",
    }
)  # fmt: skip


def reads_only(args: argparse.Namespace) -> bool:
    verb = getattr(args, "verb", None) or getattr(args, "team_command", None)
    command = str(getattr(args, "command", ""))
    return command in READ_ONLY or f"{command} {verb}" in READ_ONLY


def notify_config(args: argparse.Namespace) -> NotifyConfig | None:
    """The notify configuration `--notify` (or $PROCFLOW_NOTIFY) names; None when there is none. The outbox
    package is imported only when one is named: most commands tell nobody."""
    if not getattr(args, "notify", None) and not os.environ.get("PROCFLOW_NOTIFY"):
        return None
    from ..notify.config import config_path, load_config

    path = config_path(getattr(args, "notify", None))
    return load_config(path) if path else None


def version_hash(engine: Engine, process: str, wanted: str) -> str:
    """The one stored version of `process` whose hash starts with, or whose label is, `wanted`."""
    matches = [h for h, _, label in engine.versions(process) if h.startswith(wanted) or label == wanted]
    if len(matches) != 1:
        found = "no" if not matches else "several"
        raise UsageError(f"{found} stored version of {process!r} matches {wanted!r}; see 'procflow versions {process}'")
    return matches[0]
