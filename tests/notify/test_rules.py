"""Which messages an event causes: per person and channel as they chose, in their language, urgent or held."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from procflow import Engine, FixedClock, ProcessDefinition, load
from procflow.calendars import for_declaration
from procflow.notify import Delivery, Notifier, load_config
from procflow.notify.config import NotifyConfig
from procflow.notify.wording import Wording, stored_wording
from procflow.records import SYSTEM, SYSTEM_ROLE, Case, Event
from procflow.scenario import read_scenario
from procflow.store import open_store
from procflow.store.outbox import OutboxMessage, OutboxStore
from tests.conftest import PROCESSES, seat
from tests.notify.conftest import PEOPLE, SMTPServer
from tests.store.test_faults import CLERK, TICKING
from tests.test_deadlines import play_until

SHANGHAI = ZoneInfo("Asia/Shanghai")
GROUP = {"type": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=t"}
CHOOSY = {
    "id": "li.lei",
    "name": "李雷",
    "email": "li.lei@example.cn",
    "chat": {"sales-group": "13900000000"},
    "locale": "zh-CN",
    "time_zone": "Asia/Shanghai",
    "roles": ["sales_manager", "bd_specialist"],
    "channels": {"escalation": ["mail", "sales-group"], "reminder": ["sales-group"], "assignment": []},
    "digest": {"reminder": "08:00"},
}


@pytest.fixture
def config(notify_file: Callable[..., Path]) -> NotifyConfig:
    english = {**PEOPLE[1], "roles": ["sales_manager", "bd_specialist"]}
    path = notify_file(0, people=[CHOOSY, english])
    text = path.read_text("utf-8").replace("channels:\n", f"channels:\n  sales-group: {GROUP}\n".replace("'", '"'), 1)
    path.write_text(text, "utf-8")
    return load_config(path)


@pytest.fixture
def first_contact(sales: ProcessDefinition) -> Case:
    engine = Engine(open_store("memory:"), clock=FixedClock(datetime(2026, 3, 2, 1, tzinfo=SHANGHAI)))
    engine.register(sales)
    scenario = read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml")
    return play_until(engine, FixedClock(datetime(2026, 3, 2, 1, tzinfo=SHANGHAI)), scenario, "first_contact")


def _alert(case: Case, kind: str, at: datetime, rule: int | None = None) -> Event:
    data: dict[str, Any] = {
        "deadline": "first_contact_48h",
        "ref": "T2",
        "key": "first_contact_48h",
        "rule": rule,
        "due_at": "2026-03-04T10:10:00+08:00",
        "action": "notify" if rule == 0 else ("reassign" if rule == 1 else "remind"),
        "notify": "sales_manager" if rule is not None else "bd_specialist",
        "overdue_by": {0: "4h", 1: "24h"}.get(rule) if rule is not None else None,
    }
    return Event(
        case.id, case.version + 1, kind, at, SYSTEM, SYSTEM_ROLE, case.definition_hash, data=MappingProxyType(data)
    )  # type: ignore[arg-type]


def _words(sales: ProcessDefinition, case: Case, event: Event, message: OutboxMessage) -> tuple[str, str]:
    """The subject and body the message will be sent with, `event` being the message's (not yet stored)."""
    after = dataclasses.replace(case, history=(*case.history, event))
    return Wording(lambda content_hash: sales, lambda case_id: after).words(message)


def _messages(config: NotifyConfig, sales: ProcessDefinition, case: Case, event: Event) -> list[OutboxMessage]:
    notifier = Notifier(config.contacts, config.channels, config.default_channels)
    return notifier.messages(case, [event], sales, for_declaration(sales.calendar))


def test_each_person_gets_the_channels_they_chose_for_the_kind_in_their_language(
    config: NotifyConfig, sales: ProcessDefinition, first_contact: Case
) -> None:
    at = datetime(2026, 3, 4, 14, 10, tzinfo=SHANGHAI)  # a Wednesday afternoon
    alert = _alert(first_contact, "escalated", at, rule=0)
    found = _messages(config, sales, first_contact, alert)
    by = {(m.person, m.channel): m for m in found}
    assert sorted(by) == [("anna", "mail"), ("li.lei", "mail"), ("li.lei", "sales-group")]
    assert by[("li.lei", "sales-group")].payload["to"] == "13900000000"
    chinese = _words(sales, first_contact, alert, by[("li.lei", "mail")])
    english = _words(sales, first_contact, alert, by[("anna", "mail")])
    assert chinese[0].startswith("【升级】")  # the process's own Chinese words
    assert english[0].startswith("Escalation: ")  # the English default
    assert "Make first contact with an A or B lead within 48 hours" in english[0]
    assert "2026-03-04 03:10" in english[1]  # due time in Anna's own zone (Berlin)
    assert {m.deliver_at for m in found} == {at} and not any(m.urgent or m.digest for m in found)
    assert len({m.key for m in found}) == 3


def test_on_a_weekend_only_the_escalation_the_yaml_marks_urgent_goes_out_at_once(
    config: NotifyConfig, sales: ProcessDefinition, first_contact: Case
) -> None:
    saturday = datetime(2026, 3, 7, 11, 0, tzinfo=SHANGHAI)
    assert sales.states["first_contact"].deadlines[0].escalate[1].urgent
    urgent = _messages(config, sales, first_contact, _alert(first_contact, "escalated", saturday, rule=1))
    held = _messages(config, sales, first_contact, _alert(first_contact, "escalated", saturday, rule=0))
    assert {m.deliver_at for m in urgent} == {saturday} and all(m.urgent for m in urgent)
    assert {m.deliver_at.astimezone(SHANGHAI) for m in held if m.person == "li.lei"} == {
        datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)  # Monday at the start of the day
    }


def test_a_reminder_goes_to_the_digest_on_the_chosen_channel_and_an_unwanted_kind_nowhere(
    config: NotifyConfig, sales: ProcessDefinition, first_contact: Case
) -> None:
    at = datetime(2026, 3, 4, 2, 10, tzinfo=SHANGHAI)
    reminder = _alert(first_contact, "reminded", at)
    reminders = _messages(config, sales, first_contact, reminder)
    mine = [m for m in reminders if m.person == "li.lei"]
    assert [(m.channel, m.deliver_at) for m in mine] == [("sales-group", datetime(2026, 3, 4, 8, 0, tzinfo=SHANGHAI))]
    assert mine[0].digest == "li.lei/sales-group/2026-03-04T00:00+00:00"
    assert "提醒" in _words(sales, first_contact, reminder, mine[0])[0]
    entered = next(e for e in reversed(first_contact.history) if e.kind == "fired")  # an assignment follows it
    fired = dataclasses.replace(
        entered, seq=first_contact.version + 1, actor="someone.else", at=at
    )  # entering first_contact again: its owner role (bd_specialist) is told, li.lei wants no assignments
    assert [(m.person, m.kind) for m in _messages(config, sales, first_contact, fired)] == [("anna", "assignment")]
    own = dataclasses.replace(fired, actor="anna")
    assert _messages(config, sales, first_contact, own) == []  # nobody is told of what they did themselves


def test_two_reminders_for_one_slot_arrive_as_one_digest_at_its_hour(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    digesting = [{**PEOPLE[0], "digest": {"escalation": "08:00"}}]
    config = load_config(notify_file(smtp.port, people=digesting))
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    clock = FixedClock(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI))  # a Friday
    engine = seat(Engine(store, clock=clock, outbox=Notifier(config.contacts, config.channels)), CLERK)
    engine.register(load(TICKING))
    for _ in range(2):
        engine.start("ticking", CLERK)
    monday_evening = datetime(2026, 10, 12, 20, 0, tzinfo=SHANGHAI)  # both overdue since Saturday (调休) 13:00
    assert len(engine.tick(monday_evening)) == 2
    assert isinstance(store, OutboxStore)
    slot = {r.next_at for r in store.outbox_list()}
    assert slot == {datetime(2026, 10, 13, 8, 0, tzinfo=SHANGHAI)}
    delivery = Delivery(store, config.channels, "w", stored_wording(store))
    assert delivery.run_once(datetime(2026, 10, 13, 7, 59, tzinfo=SHANGHAI)).sent == 0
    assert delivery.run_once(datetime(2026, 10, 13, 8, 0, tzinfo=SHANGHAI)).sent == 2
    assert len(smtp.sink.messages) == 1
    mail = smtp.sink.messages[0]
    assert mail["Subject"] == "procflow：2 条通知"
    assert mail.get_body(("plain",)).get_content().count("升级") >= 2  # type: ignore[union-attr]
