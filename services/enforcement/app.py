"""Composition root of the enforcement service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.enforcement import api, handlers, store
from services.enforcement.api.draws import router as draws_router
from services.enforcement.api.public import router as public_router
from services.enforcement.api.visits import router as visits_router
from services.enforcement.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("enforcement", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    return kit.create_app(
        title='Linkage joint enforcement ("1+2+N" 联合执法)',
        description=(
            "Registers of officers, targets and inspection matters; verifiable random draws (双随机); joint visits "
            "(进一次门、查多项事); results published (一公开)."
        ),
        routers=[api.router, draws_router, visits_router, public_router],
    )
