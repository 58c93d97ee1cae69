"""Render documents through their Jinja2 templates, to Markdown and to escaped HTML.

Templates come from the definition bundle (read from `doc_templates/` at load
time), so at run time no file is opened and no user-chosen name is loaded. The
sandbox refuses Python internals and value methods; bounded arithmetic stops
memory bombs; `StrictUndefined` makes a missing field an error, not a blank.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, Environment, StrictUndefined, Template, TemplateError, TemplateNotFound, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import Macro
from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

from . import render_budget, template_checks
from .errors import RenderError
from .expressions import walk
from .i18n import DEFAULT, translator
from .render_budget import BudgetedCodeGenerator
from .sandbox import BoundedSandbox

UNSAFE_FILTERS = ("center", "indent", "wordwrap", "format", "xmlattr", "filesizeformat")
_VALUE_TYPES = (str, bytes, list, dict, tuple, int, float)
ROOTS = ("doc", "case", "process", "document")


class _TemplateEnvironment(BoundedSandbox):
    """The sandbox, compiled so that every render runs under a time and size budget (engine/render_budget.py)."""

    code_generator_class = BudgetedCodeGenerator
    budget_spent = staticmethod(render_budget.spent)
    budget_stepped = staticmethod(render_budget.stepped)

    def __init__(self, templates: Mapping[str, str], locale: str = DEFAULT) -> None:
        super().__init__(
            loader=_BundleLoader(templates), undefined=StrictUndefined, autoescape=False, finalize=_cell_safe
        )
        for name in UNSAFE_FILTERS:
            self.filters.pop(name, None)
        words = translator(locale)  # `{{ doc.amount | money }}` → ¥722,000.00, `{{ doc.signed_at | date }}`
        self.filters.update(money=words.money, date=words.date)
        self.filters = render_budget.guarded_filters(self.filters)
        self.globals.pop("lipsum", None)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        render_budget.tick()  # every call, macro calls included, looks at the clock
        if isinstance(getattr(__obj, "__self__", None), _VALUE_TYPES):
            raise SecurityError("templates cannot call methods on values; use a filter instead")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(__obj, Macro) and isinstance(result, str):
            return _Rendered(result)  # its data was made cell-safe when the macro printed it
        return result


class _BundleLoader(BaseLoader):
    """Templates from the definition bundle, named by their path so errors can give their line."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        self.templates = dict(templates)

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.templates:
            raise TemplateNotFound(template)
        return self.templates[template], template, lambda: True


class _Rendered(str):
    """Text a macro (or a `{% call %}` body) produced: Markdown the template wrote, not data to escape."""

    __slots__ = ()


def _cell_safe(value: Any) -> Any:
    """Keep a `|` in document data from splitting a Markdown table cell."""
    return value.replace("|", "\\|") if isinstance(value, str) and not isinstance(value, _Rendered) else value


@cache
def _markdown() -> MarkdownIt:
    """The Markdown-to-HTML converter, built on the first HTML render (most commands render none)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}
table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em}
footer{color:#666;font-size:.9em;border-top:1px solid #ccc;margin-top:2em}</style></head>
<body>
{{ body }}
<footer>{{ footer }}</footer>
</body></html>
"""


@cache
def shipped_template(package: str, name: str, *, autoescape: bool = True) -> Template:
    """A page template shipped in the wheel (the handbook, the reports): compiled on its first render, not when
    its module is imported, which every command whose area imports it would pay (50 ms each)."""
    source = resources.files(package).joinpath(name).read_text("utf-8")
    return Environment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True).from_string(source)


@cache
def _page() -> Template:
    """The HTML page around a rendered document: compiled on the first HTML render, not at import."""
    return Environment(autoescape=True).from_string(_PAGE)


class Renderer:
    """Renders the templates of one definition."""

    def __init__(self, templates: Mapping[str, str], locale: str = DEFAULT) -> None:
        """`locale`: the process's, for the `money` and `date` filters."""
        self._templates = dict(templates)
        self._trees: dict[str, nodes.Template] = {}
        self.env = _TemplateEnvironment(templates, locale)

    def _tree(self, name: str) -> nodes.Template:
        """The parsed template (parsed once; raises `TemplateSyntaxError`)."""
        if name not in self._trees:
            self._trees[name] = self.env.parse(self._templates[name], name)
        return self._trees[name]

    def problems(self, name: str, seen: set[str] | None = None) -> Iterator[tuple[str, int, str]]:
        """What is wrong in template `name` and the templates it includes, as (template, line, message).

        Syntax errors; then Python internals read, filters and tests that do not exist, includes of templates
        that are not in the bundle; and whatever else Jinja refuses when it compiles.
        """
        seen = seen if seen is not None else set()
        seen.add(name)
        try:
            tree = self._tree(name)
        except TemplateSyntaxError as exc:
            yield name, exc.lineno, f"template {name} does not parse: {exc.message}"
            return
        found = [
            *template_checks.unsafe_attributes(tree),
            *template_checks.unknown_filters_and_tests(tree, self.env),
            *template_checks.missing_references(tree, self._templates),
        ]
        yield from ((name, line, message) for line, message in found)
        if not found:
            try:
                self.env.compile(self._templates[name], name)
            except TemplateSyntaxError as exc:
                yield name, exc.lineno or 1, f"template {name} cannot be compiled: {exc.message}"
        for _line, included in template_checks.referenced(tree):
            if included in self._templates and included not in seen:
                yield from self.problems(included, seen)

    def fields_used(self, name: str) -> list[tuple[int, tuple[str | int, ...]]]:
        """The `doc.…` paths template `name` reads (loop variables expanded in their scope), with lines."""
        used: dict[tuple[int, tuple[str | int, ...]], None] = {}
        _collect(self._tree(name), {"doc": ()}, used)
        return list(used)

    def undeclared(self, name: str) -> dict[str, int]:
        """Names template `name` reads that neither the renderer nor the template provides → first line."""
        tree = self._tree(name)
        assigned = {n.name for n in walk(tree, (nodes.Name,)) if n.ctx in ("store", "param")}
        provided = assigned | set(ROOTS) | set(self.env.globals) | {"loop", "caller", "varargs", "kwargs"}
        provided |= template_checks.defined_names(tree)
        found: dict[str, int] = {}
        for node in walk(tree, (nodes.Name,)):
            if node.ctx == "load" and node.name not in provided:
                found.setdefault(node.name, node.lineno)
        return found

    def render_markdown(self, name: str, context: Mapping[str, Any], footer: str) -> str:
        """The document as Markdown; `RenderError` if it fails, runs too long or grows too large."""
        token = render_budget.ACTIVE.set(render_budget.Budget())
        try:
            body = self.env.get_template(name).render(context)
        except MemoryError:
            raise RenderError(f"{name}: the template needs more memory than there is") from None
        except TemplateError as exc:
            raise RenderError(f"{name}{_template_line(exc, name)}: {exc.message or exc}") from None
        except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
            raise RenderError(f"{name}{_template_line(exc, name)}: {exc}") from None
        except RecursionError:
            raise RenderError(
                f"{name}: the template recurses too deeply (a recursive loop or an include of itself)"
            ) from None
        finally:
            render_budget.ACTIVE.reset(token)
        return f"{body.strip()}\n\n---\n\n*{footer}*\n"

    def render_html(self, name: str, context: Mapping[str, Any], footer: str, title: str, lang: str) -> str:
        markdown = self.render_markdown(name, context, footer)
        body = markdown.rsplit("\n---\n", 1)[0]
        return _page().render(title=title, lang=lang, body=Markup(_markdown().render(body)), footer=footer)


def _collect(
    node: nodes.Node,
    aliases: Mapping[str, tuple[str | int, ...]],
    used: dict[tuple[int, tuple[str | int, ...]], None],
) -> None:
    if isinstance(node, nodes.For):
        _collect(node.iter, aliases, used)
        inner = dict(aliases)
        base = _doc_path(node.iter, aliases)
        for target in walk(node.target, (nodes.Name,)):
            inner.pop(target.name, None)  # a loop variable shadows an outer name
        if base is not None and isinstance(node.target, nodes.Name):
            inner[node.target.name] = (*base, 0)
        for child in (*node.body, *node.else_, *([node.test] if node.test else [])):
            _collect(child, inner, used)
        return
    if isinstance(node, (nodes.Getattr, nodes.Getitem)):
        path = _doc_path(node, aliases)
        if path:
            used[(node.lineno, path)] = None
    for child in node.iter_child_nodes():
        _collect(child, aliases, used)


def _doc_path(node: nodes.Node, aliases: Mapping[str, tuple[str | int, ...]]) -> tuple[str | int, ...] | None:
    if isinstance(node, nodes.Name):
        return aliases.get(node.name)
    if isinstance(node, nodes.Getattr):
        head = _doc_path(node.node, aliases)
        return None if head is None else (*head, node.attr)
    if isinstance(node, nodes.Getitem):
        head = _doc_path(node.node, aliases)
        if head is None:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, (str, int)):
            return (*head, node.arg.value)
        return head
    if isinstance(node, nodes.Filter) and node.node is not None:  # doc.items|sort
        return _doc_path(node.node, aliases)
    return None


def _template_line(exc: BaseException, name: str) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == name and frame.lineno:
            return f":{frame.lineno}"
    return ""


def included_templates(source: str) -> list[str]:
    """The names of the templates `source` includes, imports or extends (those written out as text)."""
    try:
        tree = Environment().parse(source)
    except TemplateSyntaxError:
        return []  # reported when the template itself is checked
    return [name for _line, name in template_checks.referenced(tree) if name is not None]


def markdown_page(markdown: str, title: str, lang: str) -> str:
    """A standalone HTML page from Markdown (raw HTML in it is escaped)."""
    return _page().render(title=title, lang=lang, body=Markup(_markdown().render(markdown)), footer="procflow")
