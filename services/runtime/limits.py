"""Request bodies are bounded before anything reads them: the outermost middleware of every service.

A body is refused with a 413 naming the limit when its ``Content-Length`` says it is too large, before one byte
of it is read, and when the bytes streamed so far pass the limit (a chunked body declares no length). Nothing
behind this middleware (the NUL check, authentication, FastAPI's parsing) ever holds more than the limit, so
a large anonymous POST costs the service no more memory than a small one.

Uploads get a larger limit than the rest: multipart bodies, and JSON posted to the paths an app names
(catalog's catalogue loads).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIB = 1024 * 1024


class BodyTooLarge(Exception):
    """Raised into the app when a streamed body passes its limit after the app started reading it."""


class BoundBodies:
    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int, upload_paths: Sequence[str] = ()) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = tuple(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await refuse(send, limit)
            return
        counted = _Counted(receive, limit)
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await refuse(send, limit)

    def _limit(self, scope: Scope) -> int:
        content_type = (_header(scope, b"content-type") or "").lower()
        upload = content_type.startswith("multipart/form-data") or scope["path"].startswith(self.upload_paths)
        return self.upload_limit if upload else self.limit


class _Counted:
    """The app's ``receive``, counting body bytes and raising once they pass the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._limit = limit
        self._seen = 0

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._limit:
                raise BodyTooLarge
        return message


async def refuse(send: Send, limit: int) -> None:
    text = f"the request body is over this route's limit of {limit // MIB} MiB ({limit} bytes)"
    detail = json.dumps({"detail": [{"loc": ["body"], "msg": text, "type": "body_too_large"}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(detail)).encode()),
        (b"connection", b"close"),  # the rest of the body is not read
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": detail})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None
