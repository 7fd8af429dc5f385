"""A stand-in service for the supervisor tests: a bare ASGI app that answers ``/readyz`` and nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]


def create_app() -> App:
    return _answering(200, b"ready")


def create_unready_app() -> App:
    return _answering(503, b"broker down")


def _answering(status: int, body: bytes) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        found = scope["path"] == "/readyz"
        await send({"type": "http.response.start", "status": status if found else 404, "headers": []})
        await send({"type": "http.response.body", "body": body if found else b""})

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
