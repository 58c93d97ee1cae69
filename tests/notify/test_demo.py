"""The demo mails its reminders and escalations to a local SMTP sink and says where to read them."""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from pathlib import Path

from procflow.cli import main
from procflow.store import open_store
from procflow.store.outbox import OutboxStore


def test_the_demo_mails_its_reminders_to_a_local_sink_and_prints_where_they_are(tmp_path: Path) -> None:
    url, out = f"sqlite:///{tmp_path / 'demo.db'}", io.StringIO()
    assert main(["demo", "--db", url, "--out", str(tmp_path / "docs")], out, io.StringIO()) == 0, out.getvalue()
    text = out.getvalue()
    assert "⏰ reminded T2 → bd_specialist" in text and "⏰ escalated T2 → sales_manager" in text
    assert re.search(r"reminders and escalations: 6 mail\(s\) to the local SMTP sink on 127\.0\.0\.1:\d+", text)
    assert f"read them in {tmp_path / 'docs' / 'mail'}/" in text
    mails = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((tmp_path / "docs" / "mail").glob("*.eml"))
    ]
    # who is mailed comes from the team the demo imports (processes/sales/team.yaml): the reminder goes to
    # the bd_specialist the lead is assigned to, every escalation to the sales manager
    reminders = [m["To"] for m in mails if m["Subject"].startswith("【提醒】")]
    escalations = [m["To"] for m in mails if m["Subject"].startswith("【升级】")]
    assert reminders == ["郑晓 <zheng.xiao@shuheng.example>"]
    assert escalations == ["王敏 <wang.min@shuheng.example>"] * 5
    store = open_store(url)
    assert isinstance(store, OutboxStore)
    sent = store.outbox_list(status="sent")
    assert sorted(r.key for r in sent) == sorted(str(m["X-Procflow-Key"]) for m in mails)
