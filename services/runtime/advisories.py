"""JetStream's word that it gave up on a message, kept and recorded: nothing leaves a consumer unseen.

nats-server publishes an advisory when a consumer's message reached ``max_deliver`` without being settled
(its last delivery was cut short at shutdown, or its dead-letter write failed on its data), and when a
message is terminated. Advisories are plain NATS messages, gone if nobody listens at that moment, so the
ADVISORIES stream keeps them. Each service reads its own consumers' advisories through one durable and
records a dead letter for any message it holds none for yet, with the body read back from the stream by
sequence. A message our consumer dead-lettered itself is already recorded: its terminated advisory is
only acked (dead letters are unique per consumer, stream and sequence).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api
from nats.js.errors import NotFoundError
from opentelemetry.context import Context

from services.runtime.consumer import DeadLetterWriter, store_dead_letter
from services.runtime.db import DeadLetterKind
from services.runtime.outage import DatabaseWatch

log = logging.getLogger(__name__)

ADVISORY_STREAM = "ADVISORIES"
MAX_DELIVERIES = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
TERMINATED = "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED"
RETAIN_S = 30 * 24 * 3600.0
ACK_WAIT_S = 30.0


def advisory_stream(*, replicas: int) -> api.StreamConfig:
    return api.StreamConfig(
        name=ADVISORY_STREAM,
        subjects=[f"{MAX_DELIVERIES}.>", f"{TERMINATED}.>"],
        storage=api.StorageType.FILE,
        max_age=RETAIN_S,
        num_replicas=replicas,
    )


def advisory_consumer(service: str, watched: Sequence[tuple[str, str]]) -> api.ConsumerConfig:
    """One durable per service over the advisories of its own consumers, given as (stream, durable)."""
    subjects = [f"{kind}.{stream}.{durable}" for stream, durable in watched for kind in (MAX_DELIVERIES, TERMINATED)]
    return api.ConsumerConfig(
        durable_name=f"{service}-advisories",
        filter_subjects=subjects,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_S,
        max_deliver=-1,  # never given up: a record that cannot be written waits for the database (outage.py)
        max_ack_pending=1000,
    )


@dataclass
class AdvisoryCapture:
    """Records the advisories of one service's consumers as dead letters (run by a pull loop)."""

    config: api.ConsumerConfig
    connection: Client
    dead_letter: DeadLetterWriter
    watch: DatabaseWatch
    stream: str = ADVISORY_STREAM
    batches: bool = False

    @property
    def durable(self) -> str:
        return self.config.durable_name or ""

    async def consume(self, msg: Msg) -> str:
        try:
            advisory: dict[str, Any] = json.loads(msg.data)
            stream, seq, consumer = str(advisory["stream"]), int(advisory["stream_seq"]), str(advisory["consumer"])
        except (ValueError, KeyError, TypeError) as error:
            log.error("an advisory on %s that does not parse (%r); skipped", msg.subject, error)
            await msg.ack()
            return "skipped"
        row = await self._dead_letter_row(msg.subject, advisory, stream=stream, seq=seq, consumer=consumer)
        await store_dead_letter(self.dead_letter, self.watch, row)
        await msg.ack()
        return "recorded"

    async def consume_many(self, msgs: Sequence[Msg], traces: Sequence[Context]) -> list[str]:
        return [await self.consume(msg) for msg in msgs]

    async def _dead_letter_row(
        self, subject: str, advisory: dict[str, Any], *, stream: str, seq: int, consumer: str
    ) -> dict[str, Any]:
        deliveries = int(advisory.get("deliveries") or 0)
        if subject.startswith(MAX_DELIVERIES):
            kind, reason = (
                DeadLetterKind.MAX_DELIVERIES,
                f"JetStream stopped redelivering after {deliveries} deliveries",
            )
        else:
            kind = DeadLetterKind.TERMINATED
            reason = f"terminated after {deliveries} deliveries: {advisory.get('reason') or 'no reason given'}"
        row: dict[str, Any] = {"subject": "", "headers": {}, "body": b""}
        try:
            stored = await self.connection.jetstream().get_msg(stream, seq)
            row = {"subject": stored.subject or "", "headers": dict(stored.headers or {}), "body": stored.data or b""}
        except NotFoundError:
            reason += "; the message is no longer in the stream"
        return {
            **row,
            "consumer": consumer,
            "reason": reason,
            "deliveries": deliveries,
            "kind": kind,
            "stream": stream,
            "stream_seq": seq,
        }
