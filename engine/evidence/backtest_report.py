"""A backtest as JSON (the data), Markdown (a review comment beside `procflow diff`), text, and an HTML page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..rendering import markdown_page
from .backtest import Backtest


def _at(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def data(result: Backtest) -> dict[str, Any]:
    d = result.definition
    old_funnel = {f["position"]: f["cases"] for f in result.old.get("funnel", [])}
    old_days = {s["stage"]: s["median"] for s in result.old.get("stage_days", [])}
    return {
        "format": 1,
        "definition": {"id": d.id, "version": d.version, "hash": d.content_hash},
        "cases": result.cases,
        "refused": [
            {
                "case": r.case_id,
                "seq": r.seq,
                "at": _at(r.at),
                "by": r.actor,
                "action": r.action,
                "reason": r.reason,
                "message": r.message,
            }
            for r in result.refused
        ],
        "separation_broken": [
            {"case": r.case_id, "seq": r.seq, "by": r.actor, "action": r.action, "message": r.message}
            for r in result.refused
            if r.reason == "DutiesNotSeparated"
        ],
        "flips": [
            {
                "case": f.case_id,
                "deadline": f.deadline,
                "occurrence": f.occurrence,
                "old": f.old,
                "new": f.new,
                "old_due": _at(f.old_due),
                "new_due": _at(f.new_due),
            }
            for f in result.flips
        ],
        "funnel": [
            {"position": f["position"], "old": old_funnel.get(f["position"], 0), "new": f["cases"]}
            for f in result.new.get("funnel", [])
        ],
        "stage_days_median": [
            {"stage": s["stage"], "old": old_days.get(s["stage"]), "new": s["median"]}
            for s in result.new.get("stage_days", [])
        ],
        "close_rate": {"old": result.old.get("close_rate"), "new": result.new.get("close_rate")},
    }


def markdown(report: dict[str, Any]) -> str:
    d = report["definition"]
    to_met = sum(1 for f in report["flips"] if f["new"] == "met")
    lines = [
        f"### Backtest of {d['id']} {d['version']} (`{d['hash'][:12]}`) on {report['cases']} recorded case(s)",
        "",
        f"- **{len(report['refused'])}** recorded move(s) it would have refused "
        f"({len(report['separation_broken'])} breaking a separation-of-duties rule)",
        f"- **{len(report['flips'])}** deadline outcome(s) flip: {len(report['flips']) - to_met} met → missed, "
        f"{to_met} missed → met",
        f"- close rate {report['close_rate']['old']} → {report['close_rate']['new']}",
        "",
    ]
    if report["refused"]:
        lines += ["| case | event | by | move | refused because |", "|---|---|---|---|---|"]
        lines += [
            f"| {r['case']} | {r['seq']} | {r['by']} | {r['action']} | {r['reason']}: {r['message']} |"
            for r in report["refused"]
        ]
        lines.append("")
    if report["flips"]:
        lines += ["| case | deadline | was | would be | due (recorded → proposed) |", "|---|---|---|---|---|"]
        lines += [
            f"| {f['case']} | {f['deadline']} #{f['occurrence']} | {f['old']} | {f['new']} | "
            f"{f['old_due']} → {f['new_due']} |"
            for f in report["flips"]
        ]
        lines.append("")
    shifted = [f for f in report["funnel"] if f["old"] != f["new"]]
    lines.append("Funnel: " + ("; ".join(f"{f['position']} {f['old']} → {f['new']}" for f in shifted) or "unchanged"))
    moved = [s for s in report["stage_days_median"] if s["old"] != s["new"]]
    lines.append(
        "Median days per stage: " + ("; ".join(f"{s['stage']} {s['old']} → {s['new']}" for s in moved) or "unchanged")
    )
    return "\n".join(lines) + "\n"


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    text = markdown(report)
    if fmt == "html":
        return markdown_page(text, f"Backtest {report['definition']['id']} {report['definition']['version']}", "en")
    if fmt == "md":
        return text
    return text.replace("**", "").replace("### ", "").replace("`", "")
