"""Text Postgres cannot store: a NUL character is refused at the edge, naming where it was, instead of failing
deep in the database as a server error.

A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: a request without a body costs one
scan of its path and query string, and a JSON or form body is read once and handed on unchanged. Only those
are read: an upload streams past untouched.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL = "\x00"
MESSAGE = "text may not contain a NUL character (\\u0000)"


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


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        location = in_url(scope["path"], scope.get("query_string", b""))
        content_type = _content_type(scope)
        if location is None and scope["method"] in ("POST", "PUT", "PATCH") and checked(content_type):
            # Bounded: limits.py, outside this middleware, has refused a body over the route's limit.
            body, receive = await _buffered(receive)
            location = in_body(body, content_type)
        if location is None:
            await self.app(scope, receive, send)
            return
        detail = json.dumps({"detail": [{"loc": list(location), "msg": MESSAGE, "type": "value_error"}]}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(detail)).encode())]
        await send({"type": "http.response.start", "status": 422, "headers": headers})
        await send({"type": "http.response.body", "body": detail})


def in_url(path: str, query: bytes) -> tuple[str, ...] | None:
    if NUL in path:
        return ("path",)
    if b"%00" not in query and b"\x00" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if NUL in key or NUL in value:
            return ("query", key.replace(NUL, ""))
    return None


def checked(content_type: str) -> bool:
    """Bodies whose text the NUL check reads; others (uploads) pass through unread, and are checked by
    whatever parses them."""
    return "json" in content_type or "x-www-form-urlencoded" in content_type


def in_body(body: bytes, content_type: str) -> tuple[str, ...] | None:
    if "json" in content_type:
        if b"\\u0000" not in body and b"\x00" not in body:
            return None
        try:
            found = nul_at(json.loads(body))
        except ValueError:
            return None  # FastAPI reports malformed JSON itself
        return None if found is None else ("body", *found)
    if "x-www-form-urlencoded" in content_type and (b"%00" in body or b"\x00" in body):
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if NUL in key or NUL in value:
                return ("body", key.replace(NUL, ""))
    return None


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return ""


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
