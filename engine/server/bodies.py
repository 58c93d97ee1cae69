"""Reading request bodies safely: a size limit before and while reading, a pause limit per chunk (a slow
client cannot hold a worker), and JSON that refuses bombs (deep nesting, numbers with thousands of digits)."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from starlette.requests import ClientDisconnect, Request

from .problems import ApiProblem
from .settings import ServerSettings


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The whole body, or 413 as soon as it is known to be over `limit`, or 408 if the client stalls."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiProblem(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiProblem(413, f"the body is {int(declared)} bytes; at most {limit} are accepted here")
    chunks: list[bytes] = []
    size = 0
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(stream.__anext__(), timeout)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise ApiProblem(408, f"the client sent nothing for {timeout:g}s; send the body without pausing") from None
        except ClientDisconnect:
            raise ApiProblem(400, "the client went away before sending the whole body") from None
        size += len(chunk)
        if size > limit:
            raise ApiProblem(413, f"the body is over {limit} bytes, the most accepted here")
        chunks.append(chunk)
    return b"".join(chunks)


def _number(digits: int, kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> Any:
        if len(text) > digits:
            raise ApiProblem(400, f"a number in the body has {len(text)} characters; at most {digits} are accepted")
        value = kind(text)
        if not math.isfinite(value):
            raise ApiProblem(400, f"the number {text} is too large for JSON")
        return value

    return parse


def _constant(name: str) -> Any:
    raise ApiProblem(400, f"{name} is not JSON")


def _depth(value: Any, limit: int) -> int:
    """How deep `value` nests (iteratively: a deep value cannot exhaust the stack here)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            pending.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _has_nul(value: Any) -> bool:
    """Whether a string anywhere in `value` (a key too) holds U+0000, which no text column of PostgreSQL takes."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def parse_json(body: bytes, settings: ServerSettings) -> Any:
    """A JSON body as plain data, or a 400/415 problem that says what is wrong with it."""
    if not body.strip():
        raise ApiProblem(400, "the request needs a JSON body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiProblem(400, "the body is not UTF-8 text") from None
    digits = settings.max_number_digits
    try:
        value = json.loads(
            text,
            parse_int=_number(digits, int),
            parse_float=_number(digits, float),
            parse_constant=_constant,
        )
    except RecursionError:
        raise ApiProblem(400, f"the JSON nests deeper than {settings.max_json_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise ApiProblem(400, f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if _depth(value, settings.max_json_depth) > settings.max_json_depth:
        raise ApiProblem(400, f"the JSON nests deeper than {settings.max_json_depth} levels")
    if "\\u0000" in text and _has_nul(value):
        raise ApiProblem(400, "a string in the body holds the NUL character (\\u0000), which is never text")
    return value
