"""Recent spans kept in memory, so that ``linkage up`` shows a case's trace with no collector running.

With no ``OTEL_EXPORTER_OTLP_ENDPOINT`` of their own, ``linkage up`` points the services' OTLP/HTTP exporters at
the console (``POST /v1/traces``, protobuf); the console keeps the newest spans, oldest dropped first. Span
attributes carry case id, street, assignee and item code, never personal data (DESIGN.md, Observability).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    service: str
    name: str
    start_ns: int
    end_ns: int
    attributes: tuple[tuple[str, str], ...]

    @property
    def duration_ms(self) -> float:
        return max(self.end_ns - self.start_ns, 0) / 1e6


@dataclass(frozen=True)
class Bar:
    """One row of a waterfall: the span, where it starts and how wide it is, in percent of the trace."""

    span: Span
    depth: int
    offset_pct: float
    width_pct: float


class SpanStore:
    def __init__(self, limit: int) -> None:
        self._spans: deque[Span] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def receive(self, payload: bytes) -> int:
        """Keeps the spans of one OTLP export request; a malformed one raises ``ValueError`` and keeps nothing."""
        try:
            request = ExportTraceServiceRequest.FromString(payload)
        except Exception as error:  # protobuf's DecodeError, whose module ships no type stubs
            raise ValueError(f"not an OTLP ExportTraceServiceRequest: {error}") from error
        received = [span for resource in request.resource_spans for span in _spans_of(resource)]
        with self._lock:
            self._spans.extend(received)
        return len(received)

    def trace(self, trace_id: str) -> list[Span]:
        with self._lock:
            found = [span for span in self._spans if span.trace_id == trace_id]
        return sorted(found, key=lambda span: span.start_ns)

    def __len__(self) -> int:
        return len(self._spans)


def _spans_of(resource: ResourceSpans) -> list[Span]:
    service = _attributes(resource.resource.attributes).get("service.name", "?")
    return [_span(service, span) for scope in resource.scope_spans for span in scope.spans]


def _span(service: str, span: ProtoSpan) -> Span:
    return Span(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_id=span.parent_span_id.hex(),
        service=service.removeprefix("linkage-"),
        name=span.name,
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        attributes=tuple(sorted(_attributes(span.attributes).items())),
    )


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, str]:
    return {pair.key: _value(pair) for pair in pairs}


def _value(pair: KeyValue) -> str:
    kind = pair.value.WhichOneof("value")
    return str(getattr(pair.value, kind)) if kind else ""


def waterfall(spans: list[Span]) -> list[Bar]:
    """Spans in start order, each indented under its parent and placed on the trace's time axis."""
    if not spans:
        return []
    start = min(span.start_ns for span in spans)
    total = max(max(span.end_ns for span in spans) - start, 1)
    depths = _depths(spans)
    return [
        Bar(span, depths[span.span_id], 100 * (span.start_ns - start) / total, _width(span, total)) for span in spans
    ]


def _width(span: Span, total: int) -> float:
    return max(100 * (span.end_ns - span.start_ns) / total, 0.5)  # a fast span still shows as a sliver


def _depths(spans: list[Span]) -> dict[str, int]:
    parents = {span.span_id: span.parent_id for span in spans}
    return {span.span_id: _depth(span.span_id, parents) for span in spans}


def _depth(span_id: str, parents: dict[str, str]) -> int:
    depth, seen = 0, {span_id}
    while (parent := parents.get(span_id, "")) in parents and parent not in seen:
        depth, span_id = depth + 1, parent
        seen.add(parent)
    return depth
