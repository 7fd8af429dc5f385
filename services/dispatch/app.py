"""Composition root of the dispatch service."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from prometheus_client import Gauge

from services.dispatch import api, handlers, service, store
from services.dispatch.settings import Settings
from services.runtime.kit import ServiceKit

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    settings = settings or Settings()
    kit = ServiceKit("dispatch", settings, store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.subscriptions(ack_within_h=settings.ack_within_working_hours))
    app = kit.create_app(
        title="Linkage dispatch (吹哨—派发—办理—反馈)",
        description="Intake (NATS and Open311 GeoReport v2), routing by the catalogue, tasks to departments and "
        "streets with deadlines on the Chinese working calendar, returns, whistles, verification, the case timeline.",
        routers=api.ROUTERS,
    )
    kit.add_background("overdue-sweep", lambda: _sweep_forever(kit, settings.sweep_interval_s))
    return app


async def _sweep_forever(kit: ServiceKit, interval_s: float) -> None:
    """超期检查: due times live in Postgres, so a sweep after any restart finds what passed meanwhile."""
    fallback = Gauge(
        "linkage_dispatch_calendar_fallback_years",
        "Years (this and next) counted Monday to Friday because no holiday notice is loaded",
        registry=kit.registry,
    )
    while True:
        try:
            year = datetime.now(UTC).year
            statuses = await service.calendar_status(kit.uow(actor="dispatch"), range(year, year + 2))
            fallback.set(sum(1 for s in statuses if s.warning))
            flagged = await service.sweep_overdue(kit.uow(actor="dispatch"), datetime.now(UTC))
            if flagged:
                log.info("overdue sweep flagged %d task(s)", flagged)
        except Exception:
            log.exception("overdue sweep failed; retrying at the next interval")
        await asyncio.sleep(interval_s)
