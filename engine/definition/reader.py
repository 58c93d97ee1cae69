"""Safe YAML reading: text → plain data plus the line and column of every value.

Built from PyYAML's event stream (the C parser where available) rather than its
constructors, so that nothing in the file can name a Python object, nesting and
alias expansion are bounded before any structure is built, duplicate keys are
reported instead of silently overwritten, and `yes`/`no`/`on`/`off`, dates and
`1:20` stay strings (YAML 1.2 core scalars only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..canonical import MAX_DEPTH, MAX_NUMBER_DIGITS, MAX_VALUES, number_too_large
from ..errors import DefinitionError, Problem

try:  # the C parser is about ten times faster and gives the same marks
    _Parser: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader

MAX_BYTES = 1 << 20
MAX_NODES = MAX_VALUES
MAX_PATH_PART = 40  # a key longer than this is shown cut in a path: a path never quotes a whole input

Path = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line, column

_STD = "tag:yaml.org,2002:"
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


@dataclass
class Marked:
    """Data read from a file, with where each value and each mapping key stands."""

    data: Any
    filename: str
    marks: dict[Path, Mark] = field(default_factory=dict)
    key_marks: dict[Path, Mark] = field(default_factory=dict)
    spellings: dict[Path, str] = field(default_factory=dict)  # numbers as written: 1.10 is not 1.1 to its author
    problems: list[Problem] = field(default_factory=list)

    def locate(self, path: Path, *, key: bool = False) -> Mark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        table = self.key_marks if key else self.marks
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, path: Path, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        line, column = self.locate(path, key=key)
        return Problem(self.filename, line, column, message, json_path(path), severity)


def json_path(path: Path) -> str:
    """Render a path as `states.review.transitions[2].roles`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif any(ch < " " or ch == "\x7f" for ch in part) or len(part) > MAX_PATH_PART:
            out += f'[{json.dumps(part[:MAX_PATH_PART])[:-1]}{"…" if len(part) > MAX_PATH_PART else ""}"]'
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    mark: Mark
    size: int = 1
    key: str | None = None
    key_mark: Mark | None = None
    skip_value: bool = False  # the pending key is a duplicate: read its value, keep nothing
    muted: bool = False  # inside a skipped value: record no marks


def read_yaml(raw: bytes | str, filename: str = "<input>") -> Marked:
    """Read one YAML document. Fatal problems raise `DefinitionError`; others are collected."""
    text = _decode(raw, filename)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise DefinitionError([Problem(filename, 1, 1, "the file is empty; it must hold one YAML mapping")])
    result = Marked(data=None, filename=filename)
    try:
        _build(text, result)
    except yaml.MarkedYAMLError as exc:
        raise DefinitionError([_syntax_problem(exc, filename, text)]) from None
    except yaml.reader.ReaderError as exc:
        raise DefinitionError([_character_problem(exc, filename, text)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise DefinitionError([Problem(filename, 1, 1, f"YAML error: {exc}")]) from None
    return result


def _decode(raw: bytes | str, filename: str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise DefinitionError(
            [Problem(filename, 1, 1, f"the file is {len(raw)} bytes; the limit is {MAX_BYTES} bytes")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise DefinitionError(
            [Problem(filename, line, column, f"invalid UTF-8 byte 0x{raw[exc.start]:02x}; save the file as UTF-8")]
        ) from None
    return text.removeprefix("\ufeff")


def _syntax_problem(exc: yaml.MarkedYAMLError, filename: str, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = f"YAML syntax: {exc.problem or exc.context}"
    if "nesting depth" in message:  # newer libyaml stops deep nesting itself, before our own check sees it
        message = f"nesting is deeper than {MAX_DEPTH} levels"
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message += ": a tab; indent with spaces, not tabs"
    return Problem(filename, line, column, message)


def _character_problem(exc: yaml.reader.ReaderError, filename: str, text: str) -> Problem:
    """A character YAML does not allow (NUL, other control characters), at its line and column, on one line."""
    before = text[: exc.position]
    line, column = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    name = "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
    return Problem(filename, line, column, f"{name} is not allowed in a YAML file; remove it (is this a binary file?)")


def _mark(event: Any) -> Mark:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


def _build(text: str, out: Marked) -> None:
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    total = 0
    documents = 0
    root_set = False

    def attach(value: Any, size: int, mark: Mark, anchor: str | None) -> None:
        nonlocal root_set, total
        if anchor:
            anchors[anchor] = (value, size)
        if not stack:
            out.data, root_set = value, True
            out.marks[()] = mark
            return
        top = stack[-1]
        top.size += size
        if isinstance(top.container, list):
            path = (*top.path, len(top.container))
            top.container.append(value)
            if not top.muted:
                out.marks.setdefault(path, mark)
            return
        key, top.key = top.key, None
        if key is None:
            return
        if top.skip_value:
            top.skip_value = False
            return
        path = (*top.path, key)
        top.container[key] = value
        if not top.muted:
            out.marks[path] = mark
            if top.key_mark:
                out.key_marks[path] = top.key_mark

    def expecting_key() -> bool:
        return bool(stack) and isinstance(stack[-1].container, dict) and stack[-1].key is None

    def take_key(key: str, mark: Mark) -> None:
        top = stack[-1]
        top.key, top.key_mark = key, mark
        if key in top.container and not top.muted:
            first = out.key_marks.get((*top.path, key), (0, 0))
            out.problems.append(
                Problem(
                    out.filename,
                    *mark,
                    f"duplicate key {key!r} (first at line {first[0]}); each key may appear once: "
                    "merge the two entries or rename one",
                    json_path((*top.path, key)),
                )
            )
        top.skip_value = key in top.container

    def muted() -> bool:
        return bool(stack) and (stack[-1].muted or stack[-1].skip_value)

    for event in yaml.parse(text, Loader=_Parser):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                out.problems.append(
                    Problem(
                        out.filename, *_mark(event), "the file holds several YAML documents; keep one (remove '---')"
                    )
                )
                raise DefinitionError(out.problems)
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if expecting_key():
                _check_tag(event, out, _current_path(stack))
                take_key(event.value, _mark(event))
                continue
            value = _scalar(event, out, _current_path(stack))
            attach(value, 1, _mark(event), event.anchor)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            total += 1
            if len(stack) >= MAX_DEPTH:
                out.problems.append(Problem(out.filename, *_mark(event), f"nesting is deeper than {MAX_DEPTH} levels"))
                raise DefinitionError(out.problems)
            _check_tag(event, out, _current_path(stack))
            if expecting_key():
                out.problems.append(
                    Problem(out.filename, *_mark(event), "a mapping key must be a plain name, not a list or mapping")
                )
                raise DefinitionError(out.problems)
            container: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
            path = _current_path(stack)
            quiet = muted()
            if not quiet:
                out.marks.setdefault(path, _mark(event))
            stack.append(_Frame(container, path, event.anchor, _mark(event), muted=quiet))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            attach(frame.container, frame.size, frame.mark, frame.anchor)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                out.problems.append(Problem(out.filename, *_mark(event), f"unknown alias *{event.anchor}"))
                raise DefinitionError(out.problems)
            value, size = anchors[event.anchor]
            total += size
            if total > MAX_NODES:
                out.problems.append(
                    Problem(
                        out.filename,
                        *_mark(event),
                        f"aliases expand the document beyond {MAX_NODES} values; "
                        "write the values out or use fewer aliases",
                    )
                )
                raise DefinitionError(out.problems)
            if expecting_key():
                take_key(str(value), _mark(event))
                continue
            attach(value, size, _mark(event), None)
        if total > MAX_NODES:
            out.problems.append(Problem(out.filename, 1, 1, f"the document has more than {MAX_NODES} values"))
            raise DefinitionError(out.problems)
    if not root_set:
        raise DefinitionError([Problem(out.filename, 1, 1, "the file is empty; it must hold one YAML mapping")])


def _current_path(stack: list[_Frame]) -> Path:
    if not stack:
        return ()
    top = stack[-1]
    if isinstance(top.container, list):
        return (*top.path, len(top.container))
    return (*top.path, top.key) if top.key is not None else top.path


def _check_tag(event: Any, out: Marked, path: Path) -> bool:
    tag = event.tag
    if (
        tag is None
        or tag == "!"
        or tag in (_STD + "map", _STD + "seq", _STD + "str", _STD + "int", _STD + "float", _STD + "bool", _STD + "null")
    ):
        return True
    out.problems.append(
        Problem(
            out.filename,
            *_mark(event),
            f"the tag {tag.replace(_STD, '!!')} is not allowed; process files hold plain values only",
            json_path(path),
        )
    )
    return False


def _scalar(event: Any, out: Marked, path: Path) -> Any:
    if not _check_tag(event, out, path):
        return None
    value: str = event.value
    tag = event.tag
    if tag in (None, "!") and not event.implicit[0]:
        return value  # quoted or block scalar without a tag: always a string
    if tag == "!" or tag == _STD + "str":
        return value
    kind = tag.removeprefix(_STD) if tag else _implicit_kind(value)
    converter: Callable[[str], Any] | None = _CONVERTERS.get(kind)
    if converter is None:
        return value
    try:
        converted = converter(value)
    except ValueError as exc:
        out.problems.append(Problem(out.filename, *_mark(event), str(exc), json_path(path)))
        return None
    if kind in ("int", "float") and not tag:
        out.spellings[path] = value
    return converted


def _implicit_kind(value: str) -> str:
    if _NULL.fullmatch(value):
        return "null"
    if value in _BOOL:
        return "bool"
    if _INT.fullmatch(value):
        return "int"
    if _FLOAT.fullmatch(value):
        return "float"
    return "str"


def _to_int(value: str) -> int:
    digits = value.lstrip("+-")
    if len(digits) > MAX_NUMBER_DIGITS:
        raise ValueError(number_too_large(len(digits), value))
    if digits.startswith(("0o", "0x")):
        return int(value, 0)
    return int(value, 10)


def _to_float(value: str) -> float:
    if len(value) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {value[:20]}… is too long")
    number = float(value)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"the number {value} is out of range")
    return number


def _to_bool(value: str) -> bool:
    if value not in _BOOL:
        raise ValueError(f"{value!r} is not a boolean; write true or false")
    return _BOOL[value]


def _to_null(value: str) -> None:
    if not _NULL.fullmatch(value):
        raise ValueError(f"{value!r} is not null")
    return None


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "null": _to_null,
    "str": str,
}
