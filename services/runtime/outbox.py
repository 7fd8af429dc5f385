"""The outbox relay: publishes committed outbox rows to JetStream and deletes them once PubAck'd.

Each row of a round settles on its own: a PubAck deletes it, a refusal by the server (or by the client, which
knows the server's limits) moves it to the service's dead letters with the reason, and anything that may pass
later (no PubAck in time, a lost connection, a stream between leaders) keeps it for the next round. So one
row the server will never take cannot hold back the rows after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import BadHeaderError, BadSubjectError, MaxPayloadError
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import stream_for_subject
from services.runtime.db import DeadLetterKind, PlumbingTables, any_of
from services.runtime.pubacks import PubAcks, Verdict, read_puback

log = logging.getLogger(__name__)

PUBACK_TIMEOUT_S = 5.0
DEFAULT_MAX_PAYLOAD = 1024 * 1024
"""NATS's default ``max_payload``: what ``emit`` holds events to; the relay reads the server's own figure."""

_REFUSED_BY_CLIENT = (MaxPayloadError, BadSubjectError, BadHeaderError)
"""What nats-py refuses to send whatever the server's state: the row will never go."""


def relayed_headers(headers: Mapping[str, str], subject: str) -> dict[str, str]:
    """The headers the relay sends with a row: its own, and the stream JetStream must store it in.

    Raises ``LookupError`` for a subject no platform stream holds.
    """
    return {**headers, api.Header.EXPECTED_STREAM: stream_for_subject(subject).name}


def wire_size(body: bytes, headers: Mapping[str, str]) -> int:
    """Bytes the server counts against ``max_payload``: the body and the header block as nats-py writes it.

    The block counts: a server that reads more than ``max_payload`` closes the connection, while nats-py checks
    the body alone.
    """
    block = len(b"NATS/1.0\r\n\r\n") + sum(len(k.encode()) + len(v.encode()) + 4 for k, v in headers.items())
    return len(body) + block


async def no_stream_takes(js: JetStreamContext, subject: str) -> bool:
    """Whether JetStream says that no stream holds ``subject``, after a publish on it found no responder.

    A stream between leaders (a cluster electing one) answers no publish either, but the JetStream API still
    lists it; an API that does not answer proves nothing. Only a definite "none" dead-letters the row.
    """
    try:
        await js.find_stream_name_by_subject(subject)
    except NotFoundError:
        return True
    except Exception as error:
        log.warning("outbox relay: could not ask which stream takes %s: %r", subject, error)
    return False


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    subject: str
    body: bytes
    headers: dict[str, str]


@dataclass
class Round:
    """What became of one round's rows."""

    delivered: list[int] = field(default_factory=list)
    refused: list[tuple[OutboxRow, str]] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    held_because: str = ""

    @property
    def rows(self) -> int:
        return len(self.delivered) + len(self.refused) + len(self.held)

    def settled(self) -> list[int]:
        """The rows that leave the outbox: delivered or dead-lettered."""
        return self.delivered + [row.seq for row, _ in self.refused]

    def record(self, row: OutboxRow, verdict: Verdict, reason: str) -> None:
        if verdict is Verdict.STORED:
            self.delivered.append(row.seq)
        elif verdict is Verdict.REFUSED:
            self.refused.append((row, reason))
        else:
            self.held.append(row.seq)
            self.held_because = self.held_because or reason


class Refused(Exception):
    """A row that will never be sent as it is: too big for the server, or for no stream."""


class OutboxRelay:
    """Replicas may run one each: rows are locked with SKIP LOCKED, and JetStream drops re-sends by event id.

    Refused rows become dead letters of ``consumer`` (the kit names it ``<service>-outbox``), kind ``refused``.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        broker: NatsBroker,
        *,
        consumer: str,
        batch: int,
        poll_s: float,
        puback_timeout_s: float = PUBACK_TIMEOUT_S,
    ) -> None:
        self._sessions = sessions
        self._dead_letter = tables.dead_letter
        self._consumer = consumer
        self._broker = broker
        self._batch = batch
        self._poll_s = poll_s
        self._puback_timeout_s = puback_timeout_s
        self._wake = asyncio.Event()
        self._acks: PubAcks | None = None
        outbox = tables.outbox
        columns = (outbox.c.seq, outbox.c.subject, outbox.c.body, outbox.c.headers)
        self._pending = sa.select(*columns).order_by(outbox.c.seq).limit(batch).with_for_update(skip_locked=True)
        self._delete = sa.delete(outbox).where(any_of(outbox.c.seq, "seqs"))

    def wake(self) -> None:
        """Called after a commit that emitted events, so they leave now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        failures = 0
        while True:
            self._wake.clear()  # a commit from now on wakes the next round
            try:
                outcome = await self.publish_pending()
            except Exception:
                failures += 1
                log.exception("outbox relay round failed (%d in a row); retrying", failures)
                await asyncio.sleep(_backoff(failures))
                continue
            if outcome.held:
                failures += 1
                log.warning(
                    "outbox relay: %d row(s) kept for a later round: %s", len(outcome.held), outcome.held_because
                )
                await asyncio.sleep(_backoff(failures))
                continue
            failures = 0
            if outcome.rows < self._batch:
                await self._sleep()

    async def publish_pending(self) -> Round:
        """Publish one batch in seq order; delete what was PubAck'd, dead-letter what was refused, keep the rest.

        The dead letters and the deletes commit together, under the lock the round took on its rows.
        """
        async with self._sessions() as session, session.begin():
            found = (await session.execute(self._pending)).all()
            rows = [OutboxRow(seq=r.seq, subject=r.subject, body=r.body, headers=r.headers) for r in found]
            outcome = await self._publish(rows) if rows else Round()
            if outcome.refused:
                await session.execute(self._dead_letter.insert(), [self._dead(r, why) for r, why in outcome.refused])
            if settled := outcome.settled():
                await session.execute(self._delete, {"seqs": settled})
        for row, reason in outcome.refused:
            log.error("outbox row %d on %s refused, moved to dead letters: %s", row.seq, row.subject, reason)
        return outcome

    async def _publish(self, rows: Sequence[OutboxRow]) -> Round:
        """Send the whole batch before waiting, then wait up to the timeout for the PubAcks.

        Straight to the connection rather than through the broker's publisher: its middlewares cost more per
        message than the send. The headers still carry the ``traceparent`` written when the event was
        emitted, so consumers continue the emitting trace.
        """
        outcome = Round()
        connection = self._broker.connection
        if not connection.is_connected:  # nats-py would buffer, and the buffer only delays the same wait
            for row in rows:
                outcome.record(row, Verdict.HELD, "not connected to NATS")
            return outcome
        acks = await self._pubacks(connection)
        sent: list[tuple[OutboxRow, asyncio.Future[Msg]]] = []
        try:
            for index, row in enumerate(rows):
                try:
                    sent.append((row, await self._send(acks, row, limit=connection.max_payload)))
                except Refused as refusal:
                    outcome.record(row, Verdict.REFUSED, str(refusal))
                except Exception as error:  # the connection failed: the rest would fail alike
                    for held in rows[index:]:
                        outcome.record(held, Verdict.HELD, f"sending failed: {error!r}")
                    break
            if sent:
                await asyncio.wait([future for _, future in sent], timeout=self._puback_timeout_s)
            await self._settle(sent, outcome)
        finally:
            acks.forget()
        return outcome

    async def _send(self, acks: PubAcks, row: OutboxRow, *, limit: int) -> asyncio.Future[Msg]:
        try:
            headers = relayed_headers(row.headers, row.subject)
        except LookupError as error:
            raise Refused(str(error)) from error
        if (size := wire_size(row.body, headers)) > limit:
            raise Refused(f"{size} bytes with its headers, over the server's max_payload of {limit} bytes")
        try:
            return await acks.send(row.subject, row.body, headers)
        except _REFUSED_BY_CLIENT as error:
            raise Refused(f"the NATS client refused it: {type(error).__name__} {error}") from error

    async def _settle(self, sent: Sequence[tuple[OutboxRow, asyncio.Future[Msg]]], outcome: Round) -> None:
        streamless: dict[str, bool] = {}
        for row, future in sent:
            if not future.done():
                outcome.record(row, Verdict.HELD, f"no PubAck within {self._puback_timeout_s:g} s")
                continue
            verdict, reason = read_puback(future.result())
            if verdict is Verdict.NO_RESPONDER:
                if row.subject not in streamless:
                    streamless[row.subject] = await no_stream_takes(self._broker.connection.jetstream(), row.subject)
                if streamless[row.subject]:
                    verdict, reason = Verdict.REFUSED, f"no stream on the server takes subject {row.subject!r}"
            outcome.record(row, verdict, reason)

    async def _pubacks(self, connection: Client) -> PubAcks:
        # One inbox subscription for the client's life (nats-py renews it across reconnects).
        if self._acks is None or self._acks.client is not connection:
            self._acks = await PubAcks(connection).start()
        return self._acks

    def _dead(self, row: OutboxRow, reason: str) -> dict[str, Any]:
        return {
            "consumer": self._consumer,
            "subject": row.subject,
            "headers": row.headers,
            "body": row.body,
            "reason": reason,
            "deliveries": 1,
            "kind": DeadLetterKind.REFUSED,
        }

    async def _sleep(self) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that races a wake-up
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll_s):
                await self._wake.wait()


def _backoff(failures: int) -> float:
    return min(0.2 * 2.0**failures, 5.0)
