"""Composition root of the dispatch service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.dispatch import api, handlers, store
from services.dispatch.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("dispatch", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    return kit.create_app(
        title="Linkage dispatch (吹哨—派发—办理—反馈)",
        description="Intake, routing by the catalogue, tasks to departments and streets, the case timeline.",
        routers=[api.router],
    )
