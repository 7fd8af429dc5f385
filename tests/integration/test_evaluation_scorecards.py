"""Scorecards (考评结果) on a real NATS and Postgres: figures and ratings combined by kind, published as events,
served as JSON and as a phone-readable page with an inline SVG chart."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from contracts import decode
from contracts.base import DISTRICT_TZ
from contracts.events.evaluation import ScorecardPublished
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.evaluation_demo import year
from tests.integration.test_evaluation_projection import send_all
from tests.support import bearer, bus, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
TODAY = datetime.now(DISTRICT_TZ).date()
START = TODAY - timedelta(days=90)
PERIOD = {"from": str(START), "to": str(TODAY)}
HIGHER_IS_BETTER = {"closure_rate", "on_time_closure", "acknowledged_on_time", "satisfaction", "whistle_report_in"}


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


def figure_points(card: dict[str, Any]) -> float:
    """The figures component recomputed from the card's own figures, apart from the service's code."""
    points = []
    for f in card["figures"]:
        key = f["indicator"]["id"].split("@")[0]
        if f["value"] is not None and key in HIGHER_IS_BETTER | {"rework_rate", "return_rate"}:
            points.append(f["value"] if key in HIGHER_IS_BETTER else 100 - f["value"])
    return statistics.fmean(points)


async def rate(client: httpx.AsyncClient, rater: str, ratee: str, scores: dict[str, int], form: str) -> None:
    body = {"form_id": form, **PERIOD, "rater_code": rater, "ratee_code": ratee, "scores": scores}
    kind = "street" if form.startswith("street") else "department"
    response = await client.post("/ratings", json=body, headers=bearer(f"{kind}:{rater}"))
    assert response.status_code == 201, response.text


async def published(nats_url: str, org: str, *, having: set[str]) -> dict[str, ScorecardPublished] | None:
    """The scorecard events on the bus for ``org`` by indicator, once those ``having`` are all there (the outbox
    relay publishes after the request that wrote them has returned); None before."""
    found: dict[str, ScorecardPublished] = {}
    async with bus(nats_url) as (_, js):
        subscription = await js.subscribe(ScorecardPublished.TYPE, ordered_consumer=True)
        with contextlib.suppress(nats.errors.TimeoutError):  # none on the stream yet
            while True:
                msg = await subscription.next_msg(timeout=1)
                event = decode(msg.data, ScorecardPublished).data
                if event.assignee_code == org:
                    found[event.indicator] = event
                if msg.metadata.num_pending == 0:
                    break
    return found if having <= found.keys() else None


# long because one published period is the fixture every assertion below reads
async def test_scorecards_combine_figures_and_ratings_by_kind(evaluation: httpx.AsyncClient, nats_url: str) -> None:
    tag = "-" + unique("s")[-6:]
    agency, department, street = f"sfs{tag}", f"cgj{tag}", f"longsha{tag}"
    first = datetime.combine(START, datetime.min.time(), DISTRICT_TZ).astimezone(UTC)
    scenarios, events = year(600, seed=11, start=first, tag=tag)
    async with bus(nats_url) as (_, js):
        await send_all(js, events)
    after = datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), DISTRICT_TZ)
    accepted = sum(1 for s in scenarios if s.department == agency and s.accepted_at < after)

    async def projected() -> bool:
        found = (await evaluation.get("/figures", params={**PERIOD, "org_code": agency}, headers=OFFICE)).json()
        return any(f["indicator"]["id"] == "closure_rate@1" and f["sample"] == accepted for f in found["figures"])

    await eventually(projected, timeout=60)
    service = {"responsiveness": 3, "quality": 3, "cooperation": 3}  # 50 points
    await rate(evaluation, street, agency, service, "street_rates_department@1")
    await rate(evaluation, f"hongxing{tag}", agency, {**service, "quality": 5}, "street_rates_department@1")  # 70
    await rate(
        evaluation, department, street, {"duty": 5, "cooperation": 5, "feedback": 5}, "department_rates_street@1"
    )

    response = await evaluation.post("/scorecards/publish", params=PERIOD, headers=OFFICE)
    assert response.status_code == 200, response.text
    kinds = {c["org_code"]: c["org_kind"] for c in response.json()}
    assert (kinds[agency], kinds[department], kinds[street]) == ("agency", "department", "street")

    card = (await evaluation.get(f"/scorecards/{agency}", params=PERIOD)).json()
    assert card["weights"] == {"street_rating": 0.6, "figures": 0.4}
    assert card["components"]["street_rating"] == 60.0
    assert card["score"] == pytest.approx(0.6 * 60 + 0.4 * figure_points(card), abs=0.01)
    for figure in card["figures"]:
        assert figure["indicator"]["formula"]
        assert figure["sample"] >= 0
        minimum = figure["indicator"]["minimum_sample"]
        assert (figure["reading"] == "insufficient sample") == (figure["sample"] < minimum or figure["value"] is None)
    street_card = (await evaluation.get(f"/scorecards/{street}", params=PERIOD)).json()
    assert street_card["components"]["department_rating"] == 100.0

    wanted = {"scorecard@1", "closure_rate@1"}
    events_of_agency = await eventually(lambda: published(nats_url, agency, having=wanted), timeout=30)
    assert events_of_agency["scorecard@1"].value == card["score"]
    assert events_of_agency["scorecard@1"].org_kind == "agency"
    assert events_of_agency["closure_rate@1"].sample == accepted

    page = await evaluation.get(f"/scorecards/{agency}.html", params=PERIOD)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    html = page.text
    assert "考评结果" in html
    assert "<svg" in html
    assert 'name="viewport"' in html
    assert "办结率" in html
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html
    index = await evaluation.get("/scorecards.html", params=PERIOD)
    assert f"/scorecards/{agency}.html" in index.text


async def test_scorecard_bad_input_names_the_field(evaluation: httpx.AsyncClient) -> None:
    missing = await evaluation.get(f"/scorecards/{unique('nobody')}", params=PERIOD)
    assert missing.status_code == 404
    assert missing.json()["detail"][0]["loc"] == ["path", "org_code"]
    half = await evaluation.get("/scorecards", params={"from": "2022-01-01"})
    assert half.json()["detail"][0]["loc"] == ["query", "to"]
    backwards = await evaluation.get("/scorecards.html", params={"from": "2022-03-01", "to": "2022-01-01"})
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "to"]
    refused = await evaluation.post("/scorecards/publish", params=PERIOD, headers=bearer("street:longsha"))
    assert refused.status_code == 403
