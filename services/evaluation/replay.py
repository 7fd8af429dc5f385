"""Reading the DISPATCH stream back from its first message, for a rebuild of the projection.

An ordered consumer (ephemeral, push, flow-controlled, re-created by nats-py on a gap) reads up to the
stream's last sequence as it was when the replay began; later events reach the projection through the
durable consumers as usual.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from contracts import CloudEvent, decode
from contracts.registry import contract_for_subject
from services.evaluation.domain.facts import TRANSLATIONS
from services.evaluation.service.projection import Replayed

STREAM, SUBJECTS = "DISPATCH", "dispatch.>"
_TRACES = TraceContextTextMapPropagator()


def _replayed(msg: Msg) -> Replayed | None:
    contract = contract_for_subject(msg.subject)
    if contract.TYPE not in TRANSLATIONS:
        return None
    event: CloudEvent[Any] = decode(msg.data, contract)
    return event, _trace_id(msg.headers or {})


def _trace_id(headers: dict[str, str]) -> str | None:
    parent = headers.get("traceparent", "")
    parts = parent.split("-")
    return parts[1] if len(parts) == 4 else None


async def replay(js: JetStreamContext, *, batch: int = 1000, timeout_s: float = 10.0) -> AsyncIterator[list[Replayed]]:
    """Batches of the stream's projected events, oldest first, up to its last message at the start."""
    last = (await js.stream_info(STREAM)).state.last_seq
    if last == 0:
        return
    subscription = await js.subscribe(SUBJECTS, stream=STREAM, ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
    try:
        held: list[Replayed] = []
        while True:
            msg = await subscription.next_msg(timeout=timeout_s)
            if (event := _replayed(msg)) is not None:
                held.append(event)
            if msg.metadata.sequence.stream >= last:
                break
            if len(held) >= batch:
                yield held
                held = []
        yield held
    finally:
        await subscription.unsubscribe()
