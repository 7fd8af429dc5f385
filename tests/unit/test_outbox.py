"""What the relay makes of the server's answers, and the size check ``emit`` applies before anything commits."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import NotFoundError, ServiceUnavailableError
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.events.catalog import GridMapped, LawChanged, LawChangeKind
from services.runtime import http_errors
from services.runtime.db import plumbing_tables
from services.runtime.errors import EventTooLarge
from services.runtime.outbox import DEFAULT_MAX_PAYLOAD, no_stream_takes, relayed_headers, wire_size
from services.runtime.pubacks import Verdict, read_puback
from services.runtime.uow import UnitOfWork


def reply(data: bytes = b"", headers: dict[str, str] | None = None) -> Msg:
    return Msg(_client=None, subject="_INBOX.relay.1", data=data, headers=headers)  # type: ignore[arg-type]


def refusal(code: int, err_code: int, description: str) -> Msg:
    return reply(json.dumps({"error": {"code": code, "err_code": err_code, "description": description}}).encode())


def test_a_puback_is_stored_a_duplicate_too() -> None:
    assert read_puback(reply(b'{"stream":"CATALOG","seq":7}'))[0] is Verdict.STORED
    assert read_puback(reply(b'{"stream":"CATALOG","seq":7,"duplicate":true}'))[0] is Verdict.STORED


def test_a_refusal_about_the_message_is_final_and_keeps_the_servers_words() -> None:
    verdict, reason = read_puback(refusal(400, 10054, "message size exceeds maximum allowed"))
    assert verdict is Verdict.REFUSED
    assert reason == "JetStream refused it: message size exceeds maximum allowed (code 400, err_code 10054)"
    assert read_puback(refusal(400, 10060, "expected stream does not match"))[0] is Verdict.REFUSED


@pytest.mark.parametrize(
    ("code", "err_code", "description"),
    [
        (503, 10077, "maximum messages exceeded"),  # a full stream, until consumers or age make room
        (503, 10023, "insufficient resources"),
        (500, 10118, "stream is offline"),
        (409, 10158, "duplicate message id is in process"),
    ],
)
def test_a_refusal_about_the_moment_keeps_the_row(code: int, err_code: int, description: str) -> None:
    verdict, reason = read_puback(refusal(code, err_code, description))
    assert verdict is Verdict.HELD
    assert description in reason


def test_no_responder_and_garbage_are_not_final() -> None:
    assert read_puback(reply(headers={"Status": "503"}))[0] is Verdict.NO_RESPONDER
    assert read_puback(reply(b'{"error": '))[0] is Verdict.HELD


class Streams:
    """JetStream's stream lookup by subject, answering as told."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer

    async def find_stream_name_by_subject(self, subject: str) -> str:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(
    ("answer", "gone"),
    [
        (NotFoundError(), True),  # the API says: no stream holds it
        ("DISPATCH", False),  # the stream exists and has no leader right now
        (ServiceUnavailableError(), False),  # the JetStream API itself has no leader
        (NatsTimeout(), False),
    ],
)
async def test_only_a_definite_none_from_jetstream_means_no_stream(answer: str | Exception, gone: bool) -> None:
    assert await no_stream_takes(Streams(answer), "dispatch.case.closed.v1") is gone  # type: ignore[arg-type]


def test_the_size_counts_the_header_block_as_written_on_the_wire() -> None:
    headers = {"Nats-Msg-Id": "abc", "content-type": "x"}
    block = b"NATS/1.0\r\nNats-Msg-Id: abc\r\ncontent-type: x\r\n\r\n"
    assert wire_size(b"12345", headers) == 5 + len(block)
    assert relayed_headers(headers, "catalog.grid.mapped.v1")["Nats-Expected-Stream"] == "CATALOG"


def unit_of_work(**limit: int) -> UnitOfWork:
    # emit touches no database: the rows wait for commit
    return UnitOfWork(async_sessionmaker(), plumbing_tables(sa.MetaData(schema="t")), source="/tests", **limit)


def changed_law(clauses: int) -> LawChanged:
    texts = tuple(f"第{n}条/第一款（{'修' * 200}）" for n in range(clauses))
    return LawChanged(
        law_id="L1", title="条例", change=LawChangeKind.AMENDED, effective_on=date(2026, 1, 1), clauses=texts
    )


async def test_emit_refuses_an_event_over_the_default_limit_naming_it() -> None:
    with pytest.raises(EventTooLarge) as refused:
        await unit_of_work().emit(changed_law(2000))
    error = refused.value
    assert (error.event_type, error.limit) == ("catalog.law.changed.v1", DEFAULT_MAX_PAYLOAD)
    assert error.size > DEFAULT_MAX_PAYLOAD
    assert "catalog.law.changed.v1" in error.message
    assert f"{error.size:,} bytes" in error.message


async def test_emit_holds_events_to_the_limit_it_was_given() -> None:
    uow = unit_of_work(max_payload=4096)
    assert isinstance(await uow.emit(GridMapped(grid_code="g1", street_code="s1", version=1)), uuid.UUID)
    with pytest.raises(EventTooLarge):
        await uow.emit(changed_law(10))


async def test_an_event_too_large_is_a_422_naming_the_event() -> None:
    app = FastAPI()
    http_errors.install(app)

    @app.post("/publish")
    async def publish() -> dict[str, Any]:
        raise EventTooLarge("catalog.streetlist.published.v1", size=2_000_000, limit=1_048_576)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/publish")
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["type"] == "event_too_large"
    assert "catalog.streetlist.published.v1" in detail["msg"]
    assert "2,000,000 bytes" in detail["msg"]
