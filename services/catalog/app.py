"""Composition root of the catalogue service."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from services.catalog import handlers, store
from services.catalog.api import grids, imports, items, laws, public, streetlists
from services.catalog.settings import Settings
from services.catalog.store.items import CatalogReads
from services.runtime.kit import ServiceKit


def create_app(settings: Settings | None = None, *, span_processor: SpanProcessor | None = None) -> FastAPI:
    kit = ServiceKit("catalog", settings or Settings(), store.plumbing, span_processor=span_processor)
    kit.subscribe(*handlers.SUBSCRIPTIONS)
    app = kit.create_app(
        title="Linkage catalogue (清单)",
        description="The catalogue of street duties: items and tasks, the basis library, versions, law changes, "
        "street lists (一街一单) and their public pages. Street duties widen only through an approved admission "
        "application or the audited emergency path, flagged to the committee (唯一入口).",
        routers=[items.router, grids.router, imports.router, laws.router, streetlists.router, public.router],
        upload_paths=("/catalogue",),  # catalogue loads and imports: a whole district's items in one body
    )
    kit.provide(CatalogReads(kit.engine))
    return app
