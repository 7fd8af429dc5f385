"""OpenTelemetry traces (OTLP when configured) and JSON logs that carry the trace id."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from opentelemetry import trace
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF


def tracer_provider(service: str, *, otlp_endpoint: str | None, extra: SpanProcessor | None = None) -> TracerProvider:
    """One provider per service process; installed globally so asyncpg and FastAPI spans join it.

    With nowhere to send spans they are not recorded (``ALWAYS_OFF``): trace ids still propagate through
    headers, the outbox, timelines and logs, but no span pays for attributes and timings nobody reads.
    """
    exported = bool(otlp_endpoint) or extra is not None
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"linkage-{service}"}), sampler=None if exported else ALWAYS_OFF
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint}/v1/traces")))
    if extra is not None:
        provider.add_span_processor(extra)
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument(  # type: ignore[no-untyped-call]
        tracer_provider=provider
    )
    return provider


def records(provider: TracerProvider) -> bool:
    """Whether spans are recorded (sent somewhere), or only their trace ids carried on."""
    return provider.sampler is not ALWAYS_OFF


def current_trace_id() -> str | None:
    """The W3C trace id of the current span, for timelines, audit rows and logs."""
    span = trace.get_current_span().get_span_context()
    return format(span.trace_id, "032x") if span.is_valid else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if trace_id := current_trace_id():
            entry["trace_id"] = trace_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
