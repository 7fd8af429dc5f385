"""Evaluation's projection on a real NATS and Postgres: figures for a small period against a plain-Python
computation from the synthetic cases themselves, and a rebuild from the stream giving the same figures."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from contracts import CloudEvent, encode
from contracts.envelope import CONTENT_TYPE
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.evaluation_demo import Scenario, year
from tests.support import bearer, bus, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE, OPERATOR = bearer("office"), bearer("operator")
Q1 = {"from": "2022-01-01", "to": "2022-03-31"}
FIRST, AFTER = datetime(2021, 12, 31, 16, tzinfo=UTC), datetime(2022, 3, 31, 16, tzinfo=UTC)  # Beijing midnights


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def send_all(js: JetStreamContext, events: list[CloudEvent[Any]]) -> None:
    async def one(event: CloudEvent[Any]) -> None:
        headers = {"Nats-Msg-Id": str(event.id), "content-type": CONTENT_TYPE}
        token = getattr(event.data, "assignee_code", None) if event.data.ROUTED else None
        await js.publish(event.data.subject(token), encode(event), headers=headers)

    for start in range(0, len(events), 200):
        await asyncio.gather(*(one(e) for e in events[start : start + 200]))


def within(at: datetime) -> bool:
    return FIRST <= at < AFTER


def hours_after(s: Scenario, h: float) -> datetime:
    from datetime import timedelta

    return s.accepted_at + timedelta(hours=h)


def expected(scenarios: list[Scenario], org: str) -> dict[str, tuple[int, int]]:
    """(hits, sample) per rate indicator for ``org`` as the department in charge, straight from the scenarios."""
    mine = [s for s in scenarios if s.department == org]
    accepted = [s for s in mine if within(s.accepted_at)]
    verified = [s for s in mine if within(hours_after(s, s.done_hours + 2))]
    rated = [s for s in mine if s.closed and s.rated and within(hours_after(s, s.done_hours + 30))]
    due = [s for s in mine if within(hours_after(s, s.due_hours))]
    acked = [s for s in mine if s.whistle_id is None and within(hours_after(s, s.ack_hours))]
    return {
        "closure_rate": (sum(s.closed and hours_after(s, s.done_hours + 3) < AFTER for s in accepted), len(accepted)),
        "rework_rate": (sum(s.rework > 0 for s in verified), len(verified)),
        "satisfaction": (sum(s.satisfied for s in rated), len(rated)),
        "on_time_closure": (sum(s.done_hours <= s.due_hours for s in due), len(due)),
        "acknowledged_on_time": (sum(not s.ack_late for s in acked), len(acked)),
        "return_rate": (
            sum(s.returns > 0 and hours_after(s, s.ack_hours + 1) < AFTER for s in accepted),
            len(accepted),
        ),
    }


async def figures(client: httpx.AsyncClient, org: str) -> dict[str, dict[str, Any]]:
    response = await client.get("/figures", params={**Q1, "org_code": org}, headers=OFFICE)
    assert response.status_code == 200, response.text
    return {f["indicator"]["id"].split("@")[0]: f for f in response.json()["figures"]}


async def test_figures_match_a_plain_computation_and_a_rebuild_gives_the_same(
    evaluation: httpx.AsyncClient, nats_url: str
) -> None:
    tag = "-" + unique("t").replace("_", "")[-6:]
    scenarios, events = year(240, seed=7, tag=tag)
    org = f"cgj{tag}"
    want = expected(scenarios, org)
    async with bus(nats_url) as (_, js):
        await send_all(js, events)

    async def settled() -> dict[str, dict[str, Any]]:
        found = await figures(evaluation, org)
        done = all(found.get(k, {}).get("sample") == n for k, (_, n) in want.items())
        return found if done else {}

    # The session's DISPATCH stream holds every earlier test's events too: the projection works through them first.
    got = await eventually(settled, timeout=240)
    for key, (hits, sample) in want.items():
        assert (got[key]["numerator"], got[key]["sample"]) == (hits, sample), key
        assert got[key]["value"] == round(100 * hits / sample, 2), key
        assert got[key]["indicator"]["id"] == f"{key}@1"
    acked = sorted(s.ack_hours for s in scenarios if s.department == org and within(hours_after(s, s.ack_hours)))
    assert got["response_time"]["value"] == pytest.approx(statistics.median_low(acked), abs=0.01)

    rebuilt = await evaluation.post("/projection/rebuild", headers=OPERATOR, timeout=240)  # the whole stream again
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json()["events"] >= len(events)
    assert await figures(evaluation, org) == got
    street = f"longsha{tag}"
    assert (await figures(evaluation, street))["closure_rate"]["sample"] > 0


async def test_indicators_are_listed_with_their_versions(evaluation: httpx.AsyncClient) -> None:
    listed = (await evaluation.get("/indicators")).json()
    keys = {d["id"] for d in listed if d["current"]}
    assert {"closure_rate@1", "on_time_closure@1", "satisfaction@1", "whistle_report_in@1"} <= keys
    on_time = next(d for d in listed if d["id"] == "on_time_closure@1")
    assert "deferral" in on_time["denominator"]
    assert on_time["minimum_sample"] > 0


async def test_bad_input_names_the_field(evaluation: httpx.AsyncClient) -> None:
    backwards = await evaluation.get("/figures", params={"from": "2022-03-31", "to": "2022-01-01"}, headers=OFFICE)
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "to"]
    odd = await evaluation.get("/figures", params={**Q1, "org_code": "a b"}, headers=OFFICE)
    assert odd.json()["detail"][0]["loc"] == ["query", "org_code"]
    assert (await evaluation.post("/projection/rebuild", headers=OFFICE)).status_code == 403
