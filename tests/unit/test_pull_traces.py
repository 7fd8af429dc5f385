"""Each consumed message runs in a trace: the producer's when its headers carry one, else one of its own.

With spans unrecorded (no exporter) the pull loop makes no span per message; these check that the trace
ids it hands the handler are still right (services/runtime/pull.py, ``PullLoop._trace``).
"""

from __future__ import annotations

import secrets
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import get_current_span
from prometheus_client import CollectorRegistry

from services.runtime.pull import LoopMetrics, PullLoop


class Durable:
    durable, stream, batches = "test-durable", "TEST", False


def loop(provider: TracerProvider, *, recording: bool) -> PullLoop:
    consumer: Any = Durable()
    return PullLoop(
        consumer,
        connection=Client(),  # never connected: nothing is fetched here
        limit=1,
        tracer=provider.get_tracer("tests"),
        recording=recording,
        metrics=LoopMetrics(CollectorRegistry()),
        watch=Any,  # type: ignore[arg-type]
        ack_wait_s=30,
        drain_s=1,
    )


def message(headers: dict[str, str] | None) -> Msg:
    return Msg(_client=Any, subject="test.event", reply="$JS.ACK.x", data=b"{}", headers=headers)  # type: ignore[arg-type]


def trace_of(pull: PullLoop, msg: Msg) -> str:
    context, _ = pull._trace(msg)
    span = get_current_span(context).get_span_context()
    assert span.is_valid
    return format(span.trace_id, "032x")


def test_unrecorded_a_message_keeps_its_producers_trace_and_a_bare_one_gets_its_own() -> None:
    pull = loop(TracerProvider(sampler=ALWAYS_OFF), recording=False)
    producer = secrets.token_hex(16)
    traced = message({"traceparent": f"00-{producer}-{secrets.token_hex(8)}-01"})
    assert trace_of(pull, traced) == producer
    bare = [trace_of(pull, message(None)), trace_of(pull, message({"Nats-Msg-Id": "x"}))]
    assert len(set(bare)) == 2  # a fresh trace each


def test_recorded_a_message_gets_a_consumer_span_in_its_producers_trace() -> None:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    pull = loop(provider, recording=True)
    producer = secrets.token_hex(16)
    context, span = pull._trace(message({"traceparent": f"00-{producer}-{secrets.token_hex(8)}-01"}))
    assert span is not None
    span.end()
    (finished,) = exported.get_finished_spans()
    assert (finished.name, format(finished.context.trace_id, "032x")) == ("test.event process", producer)
    assert get_current_span(context) is span
