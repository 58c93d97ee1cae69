"""`procflow demo`: the sales process end to end on the default store, printed step by step.

It imports the fictional team (processes/sales/team.yaml) and plays the sales
scenarios (won deal, C lead to nurture and back, rejected review looping back,
a lost deal, a lead reassigned after an escalation, a vacation cover) on a simulated clock and writes every
rendered document, Markdown and HTML, to an output folder.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from email import message_from_bytes, policy
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from . import shipped
from .clock import FixedClock
from .definition.loader import load
from .definition.model import ProcessDefinition
from .errors import InputError
from .notify import Delivery, DirectoryRecipients, Notifier, Preferences
from .notify.channels.mail import SMTPChannel
from .notify.delivery import outbox_of
from .notify.sink import MailSink
from .notify.wording import stored_wording
from .people.cast import first_admin
from .people.directory import StoreDirectory
from .people.teamfile import read_team, team_drafts
from .people_records import Person
from .presentation import describe_deadline
from .records import ASSIGNMENT_KINDS, Case
from .runtime.engine import Engine
from .scenario import StepResult, read_scenario, run_scenario
from .store.registry import open_store

DEAL_SCENARIOS = ("won.yaml", "nurture.yaml", "review_rejected.yaml", "lost.yaml", "lost_in_development.yaml")
PEOPLE_SCENARIOS = ("lead_reassigned.yaml", "vacation_cover.yaml")  # work routed to people; a vacation cover
SCENARIOS = DEAL_SCENARIOS + PEOPLE_SCENARIOS


def find_process(explicit: str | None) -> Path:
    """The sales process to play: the one named, else `processes/sales.yaml` here, else the one procflow ships."""
    if explicit:
        return Path(explicit)
    here = Path.cwd() / "processes" / "sales.yaml"
    return here if here.is_file() else shipped.process_file("sales")


def run_demo(
    out: TextIO,
    *,
    db: str | None = None,
    output_dir: str | Path = "demo-output",
    process: str | Path | None = None,
    now: datetime | None = None,
) -> int:
    """Play the demo scenarios on the store `db` names (default store if None); 0 when every scenario passed."""
    process_file = find_process(str(process) if process else None)
    definition = load(process_file)
    clock = FixedClock(now or datetime(2026, 3, 2, 1, tzinfo=UTC))
    output = Path(output_dir)
    with MailSink(output / "mail") as sink:
        mail = SMTPChannel("mail", {"host": "127.0.0.1", "port": sink.port, "security": "none"})
        store = open_store(db)
        directory = StoreDirectory(store)  # the team imported below: who is mailed comes from it
        engine = Engine(
            store,
            clock=clock,
            outbox=Notifier(
                DirectoryRecipients(directory, default=DEMO_CHOICES, store=store),
                {"mail": mail},
                follows=store.following,
            ),
            directory=directory,
        )
        failures, latest = _play(engine, definition, process_file, clock, output, out)
        wording = stored_wording(engine.store)
        delivery = Delivery(outbox_of(engine.store), {"mail": mail}, "demo", wording)
        sent = delivery.run_once(latest).sent  # all that fell due by the latest day a scenario played
    print(f"reminders and escalations: {sent} mail(s) to the local SMTP sink on 127.0.0.1:{sink.port}", file=out)
    for path in sink.received:
        received = message_from_bytes(path.read_bytes(), policy=policy.default)
        print(f"  {path.name}  to {received['To']}: {received['Subject']}", file=out)
    print(f"read them in {output / 'mail'}/ (one .eml file each; any mail program opens them)\n", file=out)
    print(
        "demo finished" + (f" with {failures} failed expectation(s)" if failures else ": every step as expected"),
        file=out,
    )
    return 1 if failures else 0


DEMO_CHOICES = Preferences(channels={"assignment": (), "move": ()})  # the demo mails reminders and escalations only


def _play(
    engine: Engine, definition: ProcessDefinition, process_file: Path, clock: FixedClock, output: Path, out: TextIO
) -> tuple[int, datetime]:
    """Every demo scenario, then one deadline round at the end: returns the failed expectations and the latest
    moment the scenarios reached (each sets its own clock; a later one may play earlier days)."""
    engine.register(definition)
    import_team(engine, process_file.parent / definition.id / "team.yaml", out)
    zone = ZoneInfo(definition.calendar.timezone) if definition.calendar else UTC
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {output}: {exc.strerror or exc}") from None
    print(
        f"procflow demo: {definition.title.get('zh-CN')} / {definition.title.get('en')}  [{definition.key}]", file=out
    )
    print(f"documents go to {output}/\n", file=out)
    failures, latest = 0, clock.now()
    scenario_dir = process_file.parent / definition.id / "scenarios"
    for name in SCENARIOS:
        scenario = read_scenario(scenario_dir / name)
        print(f"=== {scenario['title']} ===", file=out)
        result = run_scenario(
            scenario,
            engine,
            clock,
            definition.id,
            on_step=lambda step, case: print_step(step, case, definition, zone, out),
        )
        if result.case is not None:
            written = _render_all(engine, result.case, output / scenario["scenario"])
            print(
                f"  → case {result.case.id} ends in {result.case.state}; {written} document file(s) in "
                f"{output / scenario['scenario']}/",
                file=out,
            )
        for failure in result.failures:
            print(f"  ✗ {failure}", file=out)
        failures += len(result.failures)
        latest = max(latest, clock.now())
        print(file=out)
    _tick(engine, clock, out)
    holders = sorted(
        {item.person for p in engine.directory.roster().people for item in engine.store.work(p) if item.person}
    )
    if holders:
        print(
            f"work left open, for example: procflow inbox --as {holders[0]}  (held by {', '.join(holders)})", file=out
        )
    return failures, max(latest, clock.now())


def _tick(engine: Engine, clock: FixedClock, out: TextIO) -> None:
    """What a worker would do at the end: record the reminders and escalations still due (their messages go
    to the outbox with them)."""
    for event in engine.tick(clock.now()):
        data = event.data or {}
        if event.kind in ASSIGNMENT_KINDS:  # an escalation's reassignment
            print(f"      {event.kind}: work → {data.get('person') or data.get('role')} ({data.get('rule')})", file=out)
            continue
        what = data.get("ref") or data.get("deadline")
        print(f"      ⏰ {event.kind} {what} → {data.get('notify')}", file=out)


def import_team(engine: Engine, team_file: Path, out: TextIO) -> None:
    """The demo's fictional team into the directory: the first admin if it is empty, then the team file."""
    team = engine.team
    if not team.directory.roster().seq:
        team.init(Person("admin", "系统管理员 / Directory admin"), engine.clock.now())
    roster = team.directory.roster()
    events = team.change(
        first_admin(roster),
        team_drafts(read_team(team_file), roster, team.roles or (), str(team_file)),
        engine.clock.now(),
    )
    people = len(team.directory.roster().people)
    print(f"team: {team_file} ({len(events)} directory change(s); {people} people)\n", file=out)


def print_step(step: StepResult, case: Case | None, definition: ProcessDefinition, zone: tzinfo, out: TextIO) -> None:
    at = step.at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    who = step.actor or "-"
    line = f"  {at}  {who:<34} {step.action}"
    if step.refused:
        print(f"{line}  ✋ refused ({step.refused}, as expected)", file=out)
        return
    print(line, file=out)
    for event in step.events:
        if event.kind in ("reminded", "escalated"):
            data = event.data or {}
            print(f"      ⏰ {event.kind} {data.get('ref') or data.get('deadline')} → {data.get('notify')}", file=out)
        if event.basis and event.basis.startswith("cover"):
            print(f"      {event.actor} acts as {event.role} on {event.basis}", file=out)
        if event.kind in ASSIGNMENT_KINDS:
            data = event.data or {}
            to = data.get("person") or f"the {data.get('role')} queue"
            print(f"      {event.kind}: work → {to} ({data.get('rule')})", file=out)
        if event.kind == "computed" and case is not None:
            data = case.documents[event.document][event.document_version - 1].data
            summary = ", ".join(f"{k}={v}" for k, v in list(data.items())[:4])
            print(f"      engine computed {event.document} v{event.document_version}: {summary}", file=out)
        elif event.kind == "signed" and event.data:
            comment = f": {event.data.get('comment')}" if event.data.get("comment") else ""
            print(f"      {event.data.get('verdict')} on {event.data.get('state')} as {event.role}{comment}", file=out)
        elif event.kind == "fired" and event.role == "system":
            print(f"      the sign-off decided: {event.trigger} (fired by the engine)", file=out)
        if event.kind == "fired" and event.data and event.data.get("active"):
            print(f"      side by side: {' ‖ '.join(event.data['active'])}", file=out)
    if step.before != step.after and step.after is not None:
        state = definition.states[step.after]
        stage = definition.stage_of(step.after)
        owner = f", owner {state.owner}" if state.owner else ""
        print(
            f"      state → {step.after} {state.title.get('zh-CN')} / {state.title.get('en')}"
            f"{f' ({state.ref})' if state.ref else ''} in stage {stage.title.get('zh-CN')}{owner}",
            file=out,
        )
        for deadline in (
            *state.deadlines,
            *(stage.deadlines if step.before is None or definition.stage_of(step.before).id != stage.id else ()),
        ):
            print(
                f"      deadline {deadline.ref or deadline.id} {deadline.title.get('zh-CN')}: "
                f"{describe_deadline(deadline)}",
                file=out,
            )
    if step.note:
        print(f"      ({step.note})", file=out)


def _render_all(engine: Engine, case: Case, folder: Path) -> int:
    """Every version of every document the case used (shared ones included), as Markdown and HTML."""
    folder.mkdir(parents=True, exist_ok=True)
    definition = engine.definition(case.process_id, case.definition_hash)
    shared = engine.store.shared(case.process_id)
    count = 0
    for document, spec in definition.documents.items():
        versions = case.documents.get(document) or shared.get(document, ())
        if spec.template is None or not versions:
            continue
        for version in versions:
            stem = document if len(versions) == 1 else f"{document}.v{version.version}"
            for fmt, suffix in (("markdown", "md"), ("html", "html")):
                text = engine.render(case, document, format=fmt, version=version.version)  # type: ignore[arg-type]
                (folder / f"{stem}.{suffix}").write_text(text, "utf-8")
                count += 1
    return count
