"""Text Postgres cannot store: a NUL character is refused at the edge, naming where it was, instead of failing
deep in the database as a server error."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.responses import JSONResponse

NUL = "\x00"


def nul_at(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first string (or key) holding a NUL character, or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = (*path, str(key)) if NUL in str(key) else nul_at(item, (*path, str(key)))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := nul_at(item, (*path, str(index)))) is not None:
                return found
    return None


async def refuse_nul(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    location = _in_query(request) or await _in_body(request)
    if location is None:
        return await call_next(request)
    detail = [{"loc": list(location), "msg": "text may not contain a NUL character (\\u0000)", "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=422)


def _in_query(request: Request) -> tuple[str, ...] | None:
    if NUL in request.url.path:
        return ("path",)
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        if NUL in key or NUL in value:
            return ("query", key.replace(NUL, ""))
    return None


async def _in_body(request: Request) -> tuple[str, ...] | None:
    content_type = request.headers.get("content-type", "")
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    body = await request.body()
    if "json" in content_type:
        try:
            found = nul_at(json.loads(body))
        except ValueError:
            return None  # FastAPI reports malformed JSON itself
        return None if found is None else ("body", *found)
    if "x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if NUL in key or NUL in value:
                return ("body", key.replace(NUL, ""))
    return None
