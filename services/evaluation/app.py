"""Composition root of the evaluation service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.evaluation import api, handlers, store
from services.evaluation.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("evaluation", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    return kit.create_app(
        title="Linkage evaluation (评价)",
        description="Indicators with versioned definitions, recomputable from the platform's events.",
        routers=api.ROUTERS,
    )
