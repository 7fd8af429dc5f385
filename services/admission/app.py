"""Composition root of the admission service."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.admission import api, handlers, store
from services.admission.service import answers
from services.admission.settings import Settings
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    settings = settings or Settings()
    kit = ServiceKit("admission", settings, store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    kit.add_background("deadline-sweep", lambda: _sweep_forever(kit, settings.sweep_interval_s))
    return kit.create_app(
        title="Linkage admission (职责准入)",
        description="Departments apply to change street duties: checks, reviews, consultation, decision.",
        routers=api.routers,
    )


async def _sweep_forever(kit: ServiceKit, interval_s: float) -> None:
    """超期处理 on a timer: late reviews escalated, silent streets recorded, without anyone asking."""
    while True:
        await asyncio.sleep(interval_s)
        with contextlib.suppress(Exception):  # a failed sweep is retried next round; the routes sweep on demand too
            await answers.sweep(kit.uow(actor="admission-sweep"))
