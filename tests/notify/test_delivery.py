"""Delivery against a real SMTP server: the sales escalation in Chinese, retries and dead letters, two workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from procflow import Engine, FixedClock, load
from procflow.notify import Delivery, Notifier, load_config
from procflow.notify.config import NotifyConfig
from procflow.notify.wording import stored_wording
from procflow.scenario import read_scenario
from procflow.store import Store, open_store
from procflow.store.outbox import OutboxStore
from tests.conftest import PROCESSES, drop_pg_schema, pg_url_for_test, seat
from tests.notify.conftest import SMTPServer, free_port
from tests.store.test_faults import CLERK, T0, TICKING
from tests.test_deadlines import play_until, sh


def _engine(store: Store, config: NotifyConfig, clock: FixedClock) -> Engine:
    return Engine(store, clock=clock, outbox=Notifier(config.contacts, config.channels, config.default_channels))


def _delivery(store: Store, config: NotifyConfig, worker: str = "w") -> Delivery:
    assert isinstance(store, OutboxStore)
    return Delivery(store, config.channels, worker, stored_wording(store), config.backoff, config.lease)


def test_an_escalation_in_sales_reaches_the_sales_manager_by_mail_in_chinese_once(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    config = load_config(notify_file(smtp.port))
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    clock = FixedClock(T0)
    engine = _engine(store, config, clock)
    engine.register(load(PROCESSES / "sales.yaml"))
    case = play_until(engine, clock, read_scenario(PROCESSES / "sales" / "scenarios" / "won.yaml"), "first_contact")
    delivery = _delivery(store, config)
    delivery.run_once(clock.now())  # whatever the scenario's steps caused (assignments)
    before = len(smtp.sink.messages)

    at = sh(2026, 3, 4, 14, 10)  # T2 overdue by 4 hours: the sales manager is told
    assert [e.kind for e in engine.tick(at)] == ["escalated"]
    assert delivery.run_once(at).sent == 1
    assert delivery.run_once(at).sent == 0 and engine.tick(at) == []
    new = smtp.sink.messages[before:]
    assert len(new) == 1
    mail = new[0]
    assert mail["To"] == "王敏 <wang.min@example.cn>"
    assert mail["Subject"] == f"【升级】{case.id}：对A/B类线索48小时内完成首次联系（T2）已逾期超过 4 小时"
    assert mail["Content-Language"] == "zh-CN"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "按《销售流程》规定，现升级至销售经理处理" in text and "2026-03-04 10:10" in text
    assert "已逾期超过 4 小时" in text and "hour" not in text  # the rule's length in her words
    assert "<html" in html and "销售经理" in html
    row = next(r for r in store.outbox_list(case_id=case.id) if r.message.kind == "escalation")  # type: ignore[attr-defined]
    assert mail["X-Procflow-Key"] == row.key and mail["Message-ID"] == f"<{row.key}@procflow>"
    assert row.status == "sent" and row.attempts == 1


def _ticking(tmp_path: Path, config: NotifyConfig, cases: int, url: str | None = None) -> tuple[Store, list[str]]:
    """`cases` ticking cases escalated (to the clerks: 王敏 and Anna) at T0 + 3 days."""
    store = open_store(url or f"sqlite:///{tmp_path / 't.db'}")
    clock = FixedClock(T0)
    engine = seat(_engine(store, config, clock), CLERK)
    engine.register(load(TICKING))
    ids = [engine.start("ticking", CLERK).id for _ in range(cases)]
    engine.tick(T0 + timedelta(days=3))
    return store, ids


def test_smtp_down_retries_with_backoff_then_dead_letter_and_nothing_is_lost(
    notify_file: Callable[..., Path], tmp_path: Path
) -> None:
    port = free_port()  # nobody listens here yet
    config = load_config(notify_file(port))
    store, _ = _ticking(tmp_path, config, 2)
    assert isinstance(store, OutboxStore)
    delivery = _delivery(store, config)
    now = T0 + timedelta(days=3)
    first = delivery.run_once(now)
    assert (first.sent, first.retried, first.dead) == (0, 4, 0) and "cannot reach 127.0.0.1" in first.errors[0]
    waits = [r.next_at - now for r in store.outbox_list()]
    assert all(timedelta(seconds=30) <= w <= timedelta(seconds=60) for w in waits)  # 60 s × [½, 1]
    assert delivery.run_once(now + timedelta(seconds=29)).retried == 0  # nobody is due yet
    second_at = now + timedelta(minutes=1)
    assert delivery.run_once(second_at).retried == 4
    waits = [r.next_at - second_at for r in store.outbox_list()]
    assert all(timedelta(seconds=60) <= w <= timedelta(seconds=120) for w in waits)  # doubled
    assert delivery.run_once(second_at + timedelta(minutes=2)).dead == 4  # the third try was the last
    dead = store.outbox_list(status="dead")
    assert len(dead) == 4 and all(r.attempts == 3 and "cannot reach" in (r.last_error or "") for r in dead)

    server = SMTPServer(port)  # the mail server is back; an operator sends the dead letters again
    server.start()
    try:
        later = second_at + timedelta(hours=1)
        assert store.outbox_retry(None, later) == 4
        assert delivery.run_once(later).sent == 4
        assert sorted(server.sink.keys()) == sorted(r.key for r in dead)
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'two.db'}"
        return
    url = pg_url_for_test()
    yield url
    drop_pg_schema(url)


def test_two_workers_send_each_message_once(
    smtp: SMTPServer, notify_file: Callable[..., Path], tmp_path: Path, durable: str
) -> None:
    config = load_config(notify_file(smtp.port))
    url = durable
    store, _ = _ticking(tmp_path, config, 15, url)
    now = T0 + timedelta(days=3)
    workers = [_delivery(open_store(url), config, f"w{i}") for i in range(2)]
    for w in workers:
        w.batch = 4
    threads = [threading.Thread(target=w.run_once, args=(now,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = smtp.sink.keys()
    assert len(keys) == 30 and len(set(keys)) == 30
    rows = store.outbox_list()  # type: ignore[attr-defined]
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
