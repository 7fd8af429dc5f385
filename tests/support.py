"""What the tests share: tokens, in-process service runs and a few bus helpers over plain nats-py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import nats
from fastapi import FastAPI
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts import IntegrationEvent, encode
from contracts.envelope import CONTENT_TYPE, envelop
from services.runtime.auth import mint_token

JWT_SECRET = "test-secret-0123456789abcdef-0123456789"


def bearer(*roles: str, subject: str = "tester") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(JWT_SECRET, subject=subject, roles=list(roles))}"}


def settings_env(nats_url: str, database_url: str) -> dict[str, Any]:
    return {"nats_url": nats_url, "database_url": database_url, "jwt_secret": JWT_SECRET, "relay_poll_s": 0.2}


@contextlib.asynccontextmanager
async def serving(app: FastAPI, *, timeout: float = 20.0) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service in this process, lifespan and all, until its bus is up."""
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(app.state.kit.bus_up.wait(), timeout)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


@contextlib.asynccontextmanager
async def bus(url: str) -> AsyncIterator[tuple[Client, JetStreamContext]]:
    client = await nats.connect(url)
    try:
        yield client, client.jetstream()
    finally:
        await client.close()


async def publish(
    js: JetStreamContext,
    event: IntegrationEvent,
    *,
    token: str | None = None,
    source: str = "/tests",
    headers: dict[str, str] | None = None,
) -> uuid.UUID:
    """Publish an event as a producer would: CloudEvents body, ``Nats-Msg-Id`` = event id, PubAck awaited."""
    envelope = envelop(event, source=source)
    sent = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE, **(headers or {})}
    await js.publish(event.subject(token), encode(envelope), headers=sent)
    return envelope.id


async def collect(
    js: JetStreamContext,
    subject: str,
    *,
    count: int,
    timeout: float = 15.0,
    durable: str | None = None,
    where: Callable[[dict[str, Any]], bool] | None = None,
) -> list[Msg]:
    """Pull ``count`` messages from ``subject`` (acking them), or fail after ``timeout`` seconds.

    With ``where``, only messages whose CloudEvents ``data`` satisfies it count; others are skipped, since
    tests share streams.
    """
    subscription = await js.pull_subscribe(subject, durable=durable)
    received: list[Msg] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(received) < count:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"received {len(received)} of {count} messages on {subject}")
        with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
            for message in await subscription.fetch(count - len(received), timeout=min(remaining, 1.0)):
                await message.ack()
                if where is None or where(body(message)["data"]):
                    received.append(message)
    await subscription.unsubscribe()
    return received


def body(message: Msg) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(message.data)
    return data


async def eventually(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll an async or sync ``check`` until it returns a truthy value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(interval)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
