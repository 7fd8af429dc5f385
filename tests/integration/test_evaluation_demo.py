"""``linkage up --demo``'s evaluation part on a real NATS and Postgres, against evaluation served over HTTP:
a (smaller) year of dispatch's events projected, ratings both ways, every kind of scorecard with content, a
confirmed finding with its letter, findings for some organisations but far from all (thresholds scale with the
year and each organisation's volume), and a second run that changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import httpx
import pytest
import uvicorn

from contracts.base import DISTRICT_TZ
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.catalog_demo_data import STREETS
from services.platform.embedded import free_port
from services.platform.evaluation_demo import year
from services.platform.evaluation_demo_replay import LONGSHA, demo_period, run
from tests.support import JWT_SECRET, bearer, eventually, settings_env

pytestmark = pytest.mark.integration
CASES, SEED = 600, 66_001  # a seed of its own: the seed draws the event ids too, and the inbox skips known ids


@pytest.fixture
async def evaluation_url(nats_url: str, database_url: str) -> AsyncIterator[str]:
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=20)
        await asyncio.wait_for(app.state.kit.bus_up.wait(), 20)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), DISTRICT_TZ)


TODAY = datetime.now(DISTRICT_TZ).date()  # once, so that a run across Beijing's midnight reads the period it made


def demo(url: str, nats_url: str) -> list[str]:
    return list(run(url, nats_url, JWT_SECRET, cases=CASES, seed=SEED, today=TODAY))


# long because one replayed year is the fixture every assertion below reads
async def test_the_demo_year_fills_every_scorecard_and_raises_a_finding(evaluation_url: str, nats_url: str) -> None:
    said = await asyncio.to_thread(demo, evaluation_url, nats_url)
    start, end = demo_period(TODAY)
    period = {"from": str(start), "to": str(end)}
    assert any("confirmed" in line for line in said), said

    async with httpx.AsyncClient(base_url=evaluation_url, timeout=30) as http:
        cards = {c["org_code"]: c for c in (await http.get("/scorecards", params=period)).json()}
        streets = list(STREETS)
        departments = [a for a in LONGSHA.assignees if "{" not in a]
        agencies = [a.format(street=street) for a in LONGSHA.assignees if "{" in a for street in streets]
        for kind, codes in (("street", streets), ("department", departments), ("agency", agencies)):
            assert {cards[code]["org_kind"] for code in codes} == {kind}
            assert all(cards[code]["score"] is not None for code in codes), kind
        zjj = (await http.get("/scorecards/zjj", params=period)).json()
        figures = {f["indicator"]["id"].split("@")[0]: f for f in zjj["figures"]}
        first, after = midnight(start), midnight(end + timedelta(days=1))
        scenarios, _ = year(CASES, seed=SEED, start=first, cast=LONGSHA)
        accepted = [s for s in scenarios if s.department == "zjj" and first <= s.accepted_at < after]
        assert figures["closure_rate"]["sample"] == len(accepted)
        assert zjj["score"] < min(cards[code]["score"] for code in departments if code != "zjj")
        page = await http.get("/scorecards.html", params=period)
        assert "wulong-sfs" in page.text
        assert "区直部门" in page.text

        office = bearer("office")
        findings = (await http.get("/findings", headers=office)).json()
        mine = [f for f in findings if f["start"] == str(start) and f["end"] == str(end)]
        confirmed = [f for f in mine if f["status"] == "confirmed"]
        assert [f["org_code"] for f in confirmed] == ["zjj"]
        organisations = {s.department for s in scenarios} | set(streets)
        flagged = {f["org_code"] for f in mine} & organisations
        assert ("zjj", "repeated_overdue") in {(f["org_code"], f["situation"]) for f in mine}
        assert len(flagged) <= len(organisations) // 3, flagged  # thresholds scale with the year and the volume
        letter = await http.get(confirmed[0]["letter"], headers=office)
        assert "依单履职问责告知书" in letter.text
        ratings = (await http.get("/ratings", params=period, headers=office)).json()
        assert {r["form_id"] for r in ratings} == {"street_rates_department@1", "department_rates_street@1"}

        again = await asyncio.to_thread(demo, evaluation_url, nats_url)
        assert again == ["evaluation demo already loaded"]
        assert len((await http.get("/ratings", params=period, headers=office)).json()) == len(ratings)
