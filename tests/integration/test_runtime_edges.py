"""Edges every service shares: text Postgres cannot store and out-of-range ids are 4xx naming the field; a
request joins its caller's trace."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.enforcement.app import create_app
from services.enforcement.settings import Settings
from tests.support import bearer, serving, settings_env

pytestmark = pytest.mark.integration
OFFICE = bearer("office", "operator")


@pytest.fixture
async def service(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def test_a_nul_character_is_refused_naming_where_it_was(service: httpx.AsyncClient) -> None:
    body = {"item_code": "QL-001", "name": "占道\x00检查", "department_code": "cgj"}
    refused = await service.post("/matters", json=body, headers=OFFICE)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "name"]
    in_query = await service.get("/matters", params={"department_code": "cg\x00j"}, headers=OFFICE)
    assert in_query.status_code == 422
    assert in_query.json()["detail"][0]["loc"] == ["query", "department_code"]


async def test_an_id_beyond_the_database_range_is_a_422(service: httpx.AsyncClient) -> None:
    response = await service.post("/ops/dead-letters/841604636876481232896/replay", headers=OFFICE)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "dead_letter_id"]


async def test_a_request_joins_the_callers_trace_and_probes_make_no_span(nats_url: str, database_url: str) -> None:
    spans = InMemorySpanExporter()
    app = create_app(Settings(**settings_env(nats_url, database_url)), span_processor=SimpleSpanProcessor(spans))
    trace_id = secrets.token_hex(16)
    async with serving(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        traceparent = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
        assert (await client.get("/matters", headers={**OFFICE, **traceparent})).status_code == 200
    served = [span for span in spans.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert [(span.name, format(span.context.trace_id, "032x")) for span in served] == [("GET /matters", trace_id)]
