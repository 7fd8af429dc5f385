"""Composition root of the admission service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.admission import api, handlers, store
from services.admission.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("admission", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    return kit.create_app(
        title="Linkage admission (职责准入)",
        description="Departments apply to add, change or remove street duties; automatic checks, then review.",
        routers=[api.router],
    )
