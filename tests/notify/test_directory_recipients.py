"""Who is told, from the team directory: the sales manager mailed an escalation at the address the team file
gives, the assignee reminded, role holders (covers included) for the rest; the notify file's choices overlay."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from procflow import Engine, FixedClock, load
from procflow.cli.options import engine_for
from procflow.demo import import_team
from procflow.notify import Contacts, Delivery, DirectoryRecipients, Notifier, load_config
from procflow.notify.wording import stored_wording
from procflow.people.directory import StoreDirectory
from procflow.records import SYSTEM, SYSTEM_ROLE, Event, EventKind, current_assignment
from procflow.scenario import read_scenario
from procflow.store import open_store
from procflow.store.outbox import OutboxStore
from tests.conftest import PROCESSES
from tests.notify.conftest import SMTPServer
from tests.store.test_faults import T0
from tests.test_deadlines import play_until, sh

TEAM = PROCESSES / "sales" / "team.yaml"


def test_an_escalation_reaches_the_sales_manager_from_the_directory_by_mail(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    quiet = {"id": "zhao_lei", "channels": {"*": []}}  # no contact: only his choices, over the directory
    config = load_config(notify_file(smtp.port, people=[quiet]))
    assert not config.contacts and "zhao_lei" in config.preferences
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    clock = FixedClock(T0)
    directory = StoreDirectory(store)
    recipients = DirectoryRecipients(directory, config.preferences)
    outbox = Notifier(recipients, config.channels, config.default_channels)
    engine = Engine(store, clock=clock, outbox=outbox, directory=directory)
    engine.register(load(PROCESSES / "sales.yaml"))
    import_team(engine, TEAM, io.StringIO())
    case = play_until(engine, clock, read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml"), "first_contact")
    assert isinstance(store, OutboxStore)
    held = current_assignment(case)
    assert held is not None and held.person == "zhao_lei"
    assert not [r for r in store.outbox_list() if r.message.person == "zhao_lei"]  # he chose no channel at all
    delivery = Delivery(store, config.channels, "w", stored_wording(store), config.backoff, config.lease)
    delivery.run_once(clock.now())
    before = len(smtp.sink.messages)

    at = sh(2026, 3, 4, 14, 10)  # T2 overdue by 4 hours: the sales manager is told
    assert [e.kind for e in engine.tick(at)] == ["escalated"]
    assert delivery.run_once(at).sent == 1
    new = smtp.sink.messages[before:]
    assert len(new) == 1
    mail = new[0]
    assert mail["To"] == "王敏 <wang.min@shuheng.example>"  # her address in processes/sales/team.yaml
    assert mail["Subject"] == f"【升级】{case.id}：对A/B类线索48小时内完成首次联系（T2）已逾期超过 4 小时"
    assert mail["Content-Language"] == "zh-CN"
    row = next(r for r in store.outbox_list(case_id=case.id) if r.message.kind == "escalation")
    assert row.message.person == "wang_min" and row.status == "sent"


def test_a_reminder_goes_to_the_assignee_and_a_queue_to_the_role_with_its_covers() -> None:
    store = open_store("memory:")
    clock = FixedClock(T0)
    engine = Engine(store, clock=clock)
    engine.register(sales := load(PROCESSES / "sales.yaml"))
    import_team(engine, TEAM, io.StringIO())
    case = play_until(engine, clock, read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml"), "first_contact")
    recipients = DirectoryRecipients(engine.directory)

    def event(kind: EventKind, at: datetime | None = None, **data: str) -> Event:
        moment = at or sh(2026, 3, 4, 9, 0)
        return Event(case.id, case.version + 1, kind, moment, SYSTEM, SYSTEM_ROLE, case.definition_hash, data=data)

    def told(e: Event) -> list[str]:
        return [r.id for r in recipients.for_event(case, e, sales)]

    assert told(event("reminded", notify="bd_specialist")) == ["zhao_lei"]  # the lead's holder, not the whole role
    assert told(event("escalated", notify="sales_manager")) == ["wang_min"]
    queue = event("assigned", role="bd_specialist", rule="queue")
    assert told(queue) == ["zhao_lei", "zheng_xiao"]
    on_leave = event("assigned", at=sh(2026, 3, 10, 9, 0), role="bd_specialist", rule="queue")
    assert told(on_leave) == ["sun_mei", "zhao_lei", "zheng_xiao"]  # 孙梅 covers 赵磊 that week
    assert told(event("delegated", person="zheng_xiao")) == ["zheng_xiao"]
    assert told(event("fired")) == []
    wang = recipients.person("wang_min")
    assert wang is not None and (wang.email, wang.locale, wang.time_zone) == (
        "wang.min@shuheng.example",
        "zh-CN",
        "Asia/Shanghai",
    )
    assert wang.chat == {"wecom": "wangmin"}


def test_the_command_line_tells_the_directory_unless_the_notify_file_lists_contacts(
    notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    plain = argparse.Namespace(db=url, now=T0 + timedelta(days=1), notify=str(notify_file(25, people=[])))
    engine = engine_for(plain)
    assert isinstance(engine.outbox, Notifier) and isinstance(engine.outbox.recipients, DirectoryRecipients)
    assert engine.outbox.recipients.directory is engine.directory
    engine.store.close()
    listed = argparse.Namespace(db=url, now=None, notify=str(notify_file(25)))
    engine = engine_for(listed)
    assert isinstance(engine.outbox, Notifier) and isinstance(engine.outbox.recipients, Contacts)
    engine.store.close()
