"""The review as HTML with inline SVG charts (no network, no JavaScript), and as CSV."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

from ..i18n import Translator, translator
from ..rendering import shipped_template


def text_width(text: str, size: float) -> float:
    """About how wide `text` is at font `size` (px): a wide (CJK) character a full em, any other about 0.6 em —
    enough to keep a label inside its column without a font to measure with."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def label_column(titles: Iterable[str], size: float, least: int) -> int:
    """The width of the column right-aligned labels are drawn in: the widest label and a margin, or `least`."""
    return max(least, round(max((text_width(t, size) for t in titles), default=0.0)) + 16)


def funnel_svg(funnel: list[dict[str, Any]], words: Translator, width: int = 640) -> Markup:
    """Horizontal bars, one per pipeline position, each with its count and conversion from the one before."""
    top = max((f["cases"] for f in funnel), default=0) or 1
    row, label = 34, label_column((str(f["title"]) for f in funnel), 13, 150)
    width = max(width, label + 360)  # the bars keep their room when the labels are long
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(funnel) + 10}" role="img">']
    for i, step in enumerate(funnel):
        bar = max(2, round((width - label - 120) * step["cases"] / top))
        y = 5 + i * row
        conversion = "" if step["conversion"] is None else f" · {words.percent(step['conversion'])}"
        parts.append(
            f'<text x="{label - 8}" y="{y + 20}" text-anchor="end" font-size="13">{escape(step["title"])}</text>'
        )
        parts.append(f'<rect x="{label}" y="{y + 4}" width="{bar}" height="24" fill="#2a8a5a" rx="3"/>')
        parts.append(
            f'<text x="{label + bar + 6}" y="{y + 21}" font-size="12">{words.number(step["cases"])}{conversion}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stages_svg(stages: list[dict[str, Any]], words: Translator, width: int = 640) -> Markup:
    """A box per stage: 25th–75th percentile box, median line, whisker to the 90th percentile (days)."""
    top = max((s["p90"] for s in stages), default=0) or 1
    row, label = 34, label_column((str(s["title"]) for s in stages), 13, 170)
    width = max(width, label + 360)
    scale = (width - label - 150) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(stages) + 30}" role="img">']
    for i, s in enumerate(stages):
        y = 5 + i * row
        x25, x75 = label + s["p25"] * scale, label + s["p75"] * scale
        xm, x90 = label + (s["median"] or 0) * scale, label + s["p90"] * scale
        parts.append(f'<text x="{label - 8}" y="{y + 20}" text-anchor="end" font-size="13">{escape(s["title"])}</text>')
        parts.append(f'<line x1="{label}" y1="{y + 16}" x2="{x90:.1f}" y2="{y + 16}" stroke="#888"/>')
        parts.append(
            f'<rect x="{x25:.1f}" y="{y + 6}" width="{max(x75 - x25, 2):.1f}" height="20" fill="#cfe8da" '
            'stroke="#2a8a5a"/>'
        )
        parts.append(
            f'<line x1="{xm:.1f}" y1="{y + 4}" x2="{xm:.1f}" y2="{y + 28}" stroke="#1a5a3a" stroke-width="2"/>'
        )
        median = words._("{median} d (p90 {p90})", median=words.number(s["median"] or 0), p90=words.number(s["p90"]))
        parts.append(f'<text x="{x90 + 6:.1f}" y="{y + 21}" font-size="11">{escape(median)}</text>')
    axis, longest = 10 + row * len(stages), f"{top:.0f}"
    days = words._("{n} days", n=longest)
    parts.append(f'<text x="{label}" y="{axis + 10}" font-size="11" fill="#666">0</text>')
    parts.append(f'<text x="{width - 150}" y="{axis + 10}" font-size="11" fill="#666">{escape(days)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def html(data: dict[str, Any], title: str, lang: str) -> str:
    """The review page in `lang`: its labels from the catalog, its numbers and dates written for the locale."""
    words = translator(lang)
    return shipped_template("procflow.reports", "review.html.j2").render(
        title=title,
        lang=words.lang,
        data=data,
        funnel_svg=lambda funnel: funnel_svg(funnel, words),
        stages_svg=lambda stages: stages_svg(stages, words),
        _=words._,
        number=words.number,
        percent=words.percent,
        date=lambda text: words.date(text[:10]),
    )


def csv_text(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["version", "section", "item", "measure", "value"])
    for v in data["versions"]:
        label = f"{v['version']} ({v['hash'][:12]})"
        for f in v["funnel"]:
            writer.writerow([label, "funnel", f["position"], "cases", f["cases"]])
            writer.writerow([label, "funnel", f["position"], "conversion", f["conversion"]])
        writer.writerow([label, "funnel", "all", "close_rate", v["close_rate"]])
        for s in v["stage_days"]:
            for measure in ("median", "p90"):
                writer.writerow([label, "stage_days", s["stage"], measure, s[measure]])
        for r in v.get("region_days", ()):
            for measure in ("median", "p90"):
                writer.writerow([label, "region_days", f"{r['state']}.{r['region']}", measure, r[measure]])
        for d in v["deadlines"]:
            writer.writerow([label, "deadlines", d["deadline"], "met_pct", d["met_pct"]])
            writer.writerow([label, "deadlines", d["deadline"], "median_lateness_h", d["median_lateness_h"]])
        for reason, count in v["loss_reasons"].items():
            writer.writerow([label, "loss_reasons", reason, "cases", count])
        for role, count in v["workload"]["by_role"].items():
            writer.writerow([label, "workload_role", role, "actions", count])
        for person, count in v["workload"]["by_person"].items():
            writer.writerow([label, "workload_person", person, "actions", count])
    return out.getvalue()
