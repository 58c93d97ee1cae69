"""Diagrams of a process: Mermaid (renders in any Markdown viewer), Graphviz DOT, and SVG through `dot`.

Stages are clusters; each state shows its title, owner and deadlines; each
transition its trigger and the roles that may fire it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

from .definition.model import ProcessDefinition, State
from .errors import ProcflowError

FORMATS = ("mermaid", "mermaid-state", "dot", "svg")


class GraphvizMissing(ProcflowError):
    exit_code = 2


def _state_lines(definition: ProcessDefinition, state: State, lang: str | None) -> list[str]:
    lines = [state.title.get(lang)]
    meta = " · ".join(x for x in (state.ref, f"owner: {state.owner}" if state.owner else "") if x)
    if meta:
        lines.append(meta)
    for deadline in state.deadlines:
        lines.append(f"{deadline.ref or deadline.id} {deadline.title.get(lang)}")
    return lines


def _edges(definition: ProcessDefinition) -> Iterator[tuple[str, str, str]]:
    for t in definition.transitions:
        label = f"{t.trigger} [{', '.join(t.roles) or 'nobody'}]"
        for source in t.sources:
            yield source, t.dest, label


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(definition: ProcessDefinition, lang: str | None = None) -> str:
    out = ["flowchart TD", "  start_((start))"]
    for stage in definition.stages:
        states = [s for s in definition.states.values() if s.stage == stage.id]
        if not states:
            continue
        title = stage.title.get(lang) + (f" ({stage.ref})" if stage.ref else "")
        for deadline in stage.deadlines:
            title += f" · {deadline.ref or deadline.id} {deadline.title.get(lang)}"
        out.append(f'  subgraph stage_{stage.id}["{_mermaid_text(title)}"]')
        for state in states:
            if state.parent is None:
                out.extend(_mermaid_state(definition, state, lang, "    "))
        out.append("  end")
    out.append(f"  start_ --> {definition.initial}")
    for source, dest, label in _edges(definition):
        out.append(f'  {source} -->|"{_mermaid_text(label)}"| {dest}')
    return "\n".join(out) + "\n"


def _mermaid_state(definition: ProcessDefinition, state: State, lang: str | None, indent: str) -> list[str]:
    """A state as a node, or, with regions, as a box holding one box per region (side by side)."""
    if not state.regions:
        label = "<br/>".join(_mermaid_text(line) for line in _state_lines(definition, state, lang))
        shape = ('(["', '"])') if state.final else ('["', '"]')
        return [f"{indent}{state.id}{shape[0]}{label}{shape[1]}"]
    title = " · ".join(_mermaid_text(line) for line in _state_lines(definition, state, lang))
    lines = [f'{indent}subgraph {state.id}["{title} (regions run side by side)"]', f"{indent}  direction LR"]
    for region in state.regions:
        lines.append(f'{indent}  subgraph {state.id}__{region.id}["{_mermaid_text(region.title.get(lang))}"]')
        for sid in region.states:
            lines.extend(_mermaid_state(definition, definition.states[sid], lang, indent + "    "))
        lines.append(f"{indent}  end")
    lines.append(f"{indent}end")
    return lines


def _dot_state(definition: ProcessDefinition, state: State, lang: str | None, indent: str) -> list[str]:
    """A state as a node, or, with regions, as a cluster of region clusters (entered through an anchor point)."""
    if not state.regions:
        label = "\\n".join(_dot_text(line) for line in _state_lines(definition, state, lang))
        extra = ', peripheries=2, style="rounded,filled", fillcolor="#eeeeee"' if state.final else ""
        return [f'{indent}{state.id} [label="{label}"{extra}];']
    title = "\\n".join(_dot_text(line) for line in _state_lines(definition, state, lang))
    lines = [
        f"{indent}subgraph cluster_{state.id} {{",
        f'{indent}  label="{title}"; style="rounded"; color="#336699";',
        f'{indent}  {state.id} [shape=point, width=0.08, label=""];',
    ]
    for region in state.regions:
        lines.append(f"{indent}  subgraph cluster_{state.id}__{region.id} {{")
        lines.append(f'{indent}    label="{_dot_text(region.title.get(lang))}"; style="dashed"; color="#6699cc";')
        for sid in region.states:
            lines.extend(_dot_state(definition, definition.states[sid], lang, indent + "    "))
        lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")
    return lines


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(definition: ProcessDefinition, lang: str | None = None) -> str:
    out = [
        f'digraph "{_dot_text(definition.id)}" {{',
        "  rankdir=TB; compound=true;",
        '  node [shape=box, style="rounded", fontname="Noto Sans CJK SC,sans-serif", fontsize=10];',
        '  edge [fontname="Noto Sans CJK SC,sans-serif", fontsize=9];',
        '  start_ [shape=circle, label="", width=0.2, style=filled, fillcolor=black];',
    ]
    for stage in definition.stages:
        states = [s for s in definition.states.values() if s.stage == stage.id]
        if not states:
            continue
        title = [stage.title.get(lang) + (f" ({stage.ref})" if stage.ref else "")]
        title += [f"{d.ref or d.id} {d.title.get(lang)}" for d in stage.deadlines]
        label = "\\n".join(_dot_text(line) for line in title)  # each line escaped once, then DOT's line breaks
        out.append(f"  subgraph cluster_{stage.id} {{")
        out.append(f'    label="{label}"; style="rounded,dashed"; color="#888888";')
        for state in states:
            if state.parent is None:
                out.extend(_dot_state(definition, state, lang, "    "))
        out.append("  }")
    out.append(f"  start_ -> {definition.initial};")
    for source, dest, label in _edges(definition):
        out.append(f'  {source} -> {dest} [label="{_dot_text(label)}"];')
    out.append("}")
    return "\n".join(out) + "\n"


def svg(definition: ProcessDefinition, lang: str | None = None) -> str:
    binary = shutil.which("dot")
    if binary is None:
        raise GraphvizMissing(
            "SVG needs Graphviz's 'dot' program, which is not installed "
            "(Debian/Ubuntu: apt-get install graphviz); --format mermaid or dot work without it"
        )
    done = subprocess.run(
        [binary, "-Tsvg"], input=dot(definition, lang).encode("utf-8"), capture_output=True, timeout=60
    )
    if done.returncode != 0:
        raise ProcflowError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8")


def mermaid_state(definition: ProcessDefinition, lang: str | None = None) -> str:
    """A Mermaid `stateDiagram-v2`: a state with regions is a composite state whose regions are separated
    by `--` (concurrency); each region's moves are drawn inside it, the other moves at the top level."""
    out = ["stateDiagram-v2"]
    for state in definition.states.values():
        out.append(f'  state "{_mermaid_text(state.title.get(lang))}" as {state.id}')
    out.append(f"  [*] --> {definition.initial}")
    for state in (s for s in definition.states.values() if s.regions):
        out.append(f"  state {state.id} {{")
        for i, region in enumerate(state.regions):
            if i:
                out.append("    --")
            out.append(f"    [*] --> {region.initial}")
            inside = set(region.states)
            for source, dest, label in _edges(definition):
                if source in inside:
                    out.append(f"    {source} --> {dest} : {_mermaid_text(label)}")
            out.extend(f"    {sid} --> [*]" for sid in region.states if definition.states[sid].final)
        out.append("  }")
    for source, dest, label in _edges(definition):
        if definition.states[source].parent is None:
            out.append(f"  {source} --> {dest} : {_mermaid_text(label)}")
    out.extend(f"  {s.id} --> [*]" for s in definition.states.values() if s.final and s.parent is None)
    return "\n".join(out) + "\n"


def render(definition: ProcessDefinition, fmt: str, lang: str | None = None) -> str:
    renderers = {"mermaid": mermaid, "mermaid-state": mermaid_state, "dot": dot, "svg": svg}
    return renderers[fmt](definition, lang)
