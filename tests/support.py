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


SCAN = 500
"""Messages one fetch reads when ``collect`` skips others' (see there)."""


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
    tests share streams. An ephemeral consumer reads the backlog it starts with up to ``SCAN`` messages a fetch:
    a subject the whole suite publishes on (the demo's grids) holds thousands of others' messages, too many to
    read a few at a time within a short ``timeout``. A fetch never asks for more than is there (one that finds
    too few waits out its timeout for the rest), and past the backlog it asks for what is still wanted.
    """
    subscription = await js.pull_subscribe(subject, durable=durable)
    received: list[Msg] = []
    deadline = asyncio.get_running_loop().time() + timeout
    # what is there already; a durable's extra messages would be lost to later reads, so it reads only what it wants
    backlog = (await subscription.consumer_info()).num_pending if where is not None and durable is None else 0
    while len(received) < count:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(f"received {len(received)} of {count} messages on {subject}")
        wanted = count - len(received)
        batch = min(SCAN, backlog) if backlog > wanted else wanted  # never more than is there: no lingering
        fetched: list[Msg] = []
        with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
            fetched = await subscription.fetch(batch, timeout=min(remaining, 1.0))
        backlog = max(backlog - len(fetched), 0)
        for message in fetched:
            await message.ack()
            if len(received) < count and (where is None or where(body(message)["data"])):
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
