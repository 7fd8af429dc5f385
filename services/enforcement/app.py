"""Composition root of the enforcement service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.enforcement import api, handlers, store
from services.enforcement.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("enforcement", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    return kit.create_app(
        title='Linkage joint enforcement ("1+2+N" 联合执法)',
        description="Inspection matters on the catalogue's power list; random draws and joint visits to come.",
        routers=[api.router],
    )
