"""Pull requests to a durable consumer on JetStream's wire API, for the pull loop (pull.py).

nats-py's ``PullSubscription.fetch`` takes each message through ``next_msg``, which makes a task, a
``uuid4`` and a ``wait_for`` per message: under flat-out load a tenth of a consumer's CPU (bench/README.md).
Here the messages of a request arrive through one callback subscription on the service's own inbox, and a
fetch waits once. A request asks only for what is not already in hand, and a fetch never leaves a batch
request open: first ``no_wait`` (what is there now), and only when that found nothing a request for a
single message that waits up to ``wait_s``, followed by another ``no_wait`` for whatever came with it.

Status messages (no ``reply``) end the request they answer: 404 nothing there, 408 expired, 409 a conflict
(a leadership change, the consumer deleted), 503 no JetStream answering; the latter two pause the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

STATUS = "Status"
TROUBLE = frozenset({"409", "503"})
GRACE_S = 0.5
"""How long past a request's own expiry a fetch waits for the server's answer (a lost connection)."""


class FetchTrouble(Exception):
    """The server answered a pull request with a conflict or no responders: worth a pause before the next."""


class Fetcher:
    def __init__(self, connection: Client, *, stream: str, durable: str, wait_s: float) -> None:
        self.connection = connection
        self.wait_s = wait_s
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = connection.new_inbox()
        self._subscription: Subscription | None = None
        self._arrived: list[Msg] = []
        self._request, self._current, self._wanted = 0, "", 0
        self._answered = asyncio.Event()
        self._status: str | None = None

    async def start(self) -> None:
        self._subscription = await self.connection.subscribe(f"{self._inbox}.*", cb=self._on_message)

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):  # the connection may be closing already
                await self._subscription.unsubscribe()

    def in_hand(self) -> Sequence[Msg]:
        """Messages delivered and not yet fetched (a late answer to an abandoned request): heartbeat them too."""
        return self._arrived

    async def fetch(self, count: int, *, wait: bool = True) -> list[Msg]:
        """Up to ``count`` messages: those there now, else (``wait``) the first to come within ``wait_s`` and any
        with it."""
        taken = await self._pull(count, wait_s=None)
        if not taken and wait:
            taken = await self._pull(1, wait_s=self.wait_s)
            if taken and count > 1:
                taken += await self._pull(count - 1, wait_s=None)
        return taken

    async def _pull(self, count: int, *, wait_s: float | None) -> list[Msg]:
        if len(self._arrived) < count:
            await self._request_more(count, wait_s)
        taken, self._arrived = self._arrived[:count], self._arrived[count:]
        if not taken and self._status in TROUBLE:
            raise FetchTrouble(f"{self._next}: status {self._status}")
        return taken

    async def _request_more(self, count: int, wait_s: float | None) -> None:
        self._request += 1
        self._current, self._wanted, self._status = f"{self._inbox}.{self._request}", count, None
        self._answered.clear()
        request: dict[str, object] = {"batch": count - len(self._arrived)}
        request |= {"expires": int(wait_s * 1e9)} if wait_s else {"no_wait": True}
        await self.connection.publish(self._next, json.dumps(request).encode(), reply=self._current)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._answered.wait(), (wait_s or 0.0) + GRACE_S)

    async def _on_message(self, msg: Msg) -> None:
        if msg.reply:  # a message of the stream, whichever request brought it
            self._arrived.append(msg)
            if len(self._arrived) >= self._wanted:
                self._answered.set()
        elif msg.subject == self._current:  # a status answering the current request; older ones are spent
            self._status = (msg.headers or {}).get(STATUS)
            self._answered.set()
