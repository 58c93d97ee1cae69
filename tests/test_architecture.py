"""The layers stay layers: no import circle between the parts of `engine/`, and no concrete store outside it.

A "part" is a subpackage (`engine/store/`) or a top-level module (`engine/deadlines.py`). Every import counts,
including those inside functions and under TYPE_CHECKING: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "procflow"  # the import name of the package (setup.py's PACKAGE); its folder is engine/ whatever the name
ENGINE = ROOT / "engine"
CONCRETE_STORES = ("SQLStore", "SQLiteStore", "PostgresStore", "MemoryStore")


def _part(module: str) -> str:
    """`<package>.store.sql` → `store`; `<package>.deadlines` → `deadlines`; `<package>` → `<package>`."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def _module_name(path: Path) -> str:
    """The import name of a file in engine/: engine/store/sql.py → `<package>.store.sql`."""
    parts = [PACKAGE, *path.relative_to(ENGINE).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module (or module attribute) of the package that `path` imports, relative imports resolved."""
    tree = ast.parse(path.read_text("utf-8"))
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                base = node.module
            elif node.level > 0:
                base = ".".join([*package[: len(package) - node.level + 1], *([node.module] if node.module else [])])
            else:
                continue
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith(PACKAGE + ".")}


def _existing(name: str) -> str | None:
    """The longest prefix of `name` that is a module of ours (an `import a.b.c` may name an attribute)."""
    pieces = name.split(".")[1:]
    while True:
        candidate = ENGINE.joinpath(*pieces)
        if (pieces and candidate.with_suffix(".py").is_file()) or (candidate / "__init__.py").is_file():
            return ".".join([PACKAGE, *pieces])
        if not pieces:
            return None
        pieces.pop()


def part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(ENGINE.rglob("*.py")):
        source = _part(_module_name(path))
        if source == PACKAGE:  # the public facade re-exports everything; it is the top, not a part
            continue
        for name in _imports(path):
            target_module = _existing(name)
            if target_module is None:
                continue
            target = _part(target_module)
            if target not in (source, PACKAGE):
                graph.setdefault(source, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_parts_of_the_engine() -> None:
    graph = part_graph()
    circles = cycles(graph)
    detail = "; ".join(
        " ↔ ".join(c) + " (" + ", ".join(f"{a}→{b}" for a in c for b in sorted(graph.get(a, ())) if b in c) + ")"
        for c in circles
    )
    assert not circles, f"import circles between parts of engine/: {detail}"


def test_the_circle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_concrete_store_is_named_outside_the_store_package() -> None:
    leaks = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted(ENGINE.rglob("*.py"))
        if "store" not in path.relative_to(ENGINE).parts[:1]
        for name in CONCRETE_STORES
        if name in path.read_text("utf-8")
    ]
    assert not leaks, "concrete stores named outside engine/store/ (talk to the Store protocol): " + ", ".join(leaks)


def test_inside_the_package_every_import_of_it_is_relative() -> None:
    """So the package works under any import name, and mypy checks the folder as it is (`files = ["engine"]`)."""
    absolute = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted(ENGINE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _ours(node.module))
        or (isinstance(node, ast.Import) and any(_ours(alias.name) for alias in node.names))
    ]
    assert absolute == [], "import the package relatively inside it (from .records import Case): " + ", ".join(absolute)


def _ours(module: str) -> bool:
    """An absolute name of the package: its import name, or its folder's name (which no longer imports)."""
    return any(module == name or module.startswith(name + ".") for name in (PACKAGE, ENGINE.name))
