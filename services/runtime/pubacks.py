"""JetStream publishes sent in a batch, with their PubAcks read by the relay itself.

Not ``JetStreamContext.publish_async``: in nats-py 2.16 its reply handler raises a PubAck that carries an error
(a stream's ``max_msg_size``, a wrong stream) inside the subscription callback instead of failing the future, so
a refused publish would look like a lost one and be sent again every round.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from enum import Enum
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api


class Verdict(Enum):
    """What the server's answer means for the row: gone, never going, or to be sent again."""

    STORED = "stored"
    REFUSED = "refused"
    HELD = "held"
    NO_RESPONDER = "no responder"  # no stream took it: none holds the subject, or its stream has no leader


def read_puback(reply: Msg) -> tuple[Verdict, str]:
    """The server's answer to one publish, and its words when it is not a PubAck."""
    if reply.headers and reply.headers.get(api.Header.STATUS) == "503":
        return Verdict.NO_RESPONDER, "no stream answered on the subject"
    if b'"error"' not in reply.data:  # the common case, without parsing
        return Verdict.STORED, ""
    try:
        error: dict[str, Any] = json.loads(reply.data)["error"]
    except (ValueError, KeyError, TypeError):
        return Verdict.HELD, f"unreadable PubAck {reply.data[:200]!r}"
    code = error.get("code")
    reason = f"JetStream refused it: {error.get('description')} (code {code}, err_code {error.get('err_code')})"
    # 4xx is about the message (too big for the stream, wrong stream); 409 and 5xx are about the moment
    return (Verdict.REFUSED if code in (400, 404) else Verdict.HELD), reason


class PubAcks:
    """Publishes whose answers come back on one inbox subscription, one reply subject per message.

    One round at a time: ``forget`` drops whatever the round still waits for.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._prefix = client.new_inbox()
        self._tokens = itertools.count()
        self._waiting: dict[str, asyncio.Future[Msg]] = {}

    async def start(self) -> PubAcks:
        await self.client.subscribe(f"{self._prefix}.*", cb=self._on_reply)
        return self

    async def send(self, subject: str, body: bytes, headers: dict[str, str]) -> asyncio.Future[Msg]:
        token = str(next(self._tokens))
        future: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        try:
            await self.client.publish(subject, body, reply=f"{self._prefix}.{token}", headers=headers)
        except BaseException:
            del self._waiting[token]
            raise
        return future

    def forget(self) -> None:
        """End of a round: a PubAck arriving later finds nothing waiting (the row is sent again, and deduplicated)."""
        for future in self._waiting.values():
            future.cancel()
        self._waiting.clear()

    async def _on_reply(self, reply: Msg) -> None:
        future = self._waiting.pop(reply.subject[len(self._prefix) + 1 :], None)
        if future is not None and not future.done():
            future.set_result(reply)
