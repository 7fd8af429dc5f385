"""Two-way assessment (双向考评) on a real NATS and Postgres: ratings on their forms, refused off them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.base import DISTRICT_TZ
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.evaluation_demo import year
from tests.integration.test_evaluation_projection import send_all
from tests.support import bearer, bus, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
TODAY = datetime.now(DISTRICT_TZ).date()
OPEN = {"from": str(TODAY - timedelta(days=30)), "to": str(TODAY)}
CLOSED = {"from": "2022-01-01", "to": "2022-03-31"}
GOOD = {"responsiveness": 5, "quality": 4, "cooperation": 3}


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


def rating(rater: str, ratee: str, *, form: str = "street_rates_department@1", **over: Any) -> dict[str, Any]:
    return {"form_id": form, **OPEN, "rater_code": rater, "ratee_code": ratee, "scores": GOOD, **over}


async def refused(client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, list[Any]]:
    response = await client.post("/ratings", json=body, headers=headers)
    return response.status_code, response.json()["detail"][0]["loc"]


async def test_streets_and_departments_rate_each_other_on_their_forms(
    evaluation: httpx.AsyncClient, nats_url: str
) -> None:
    tag = "-" + unique("r")[-6:]
    street, department, agency = f"longsha{tag}", f"cgj{tag}", f"sfs{tag}"
    _, events = year(3, seed=3, start=datetime.now(UTC) - timedelta(days=2), tag=tag)
    async with bus(nats_url) as (_, js):
        await send_all(js, [e for e in events if e.type == "dispatch.case.accepted.v1"])
    as_street, as_department = bearer(f"street:{street}"), bearer(f"department:{department}")

    made = await evaluation.post("/ratings", json=rating(street, agency), headers=as_street)
    assert made.status_code == 201, made.text
    assert made.json()["total"] == pytest.approx(100 * (0.3 * 1 + 0.4 * 0.75 + 0.3 * 0.5))
    again = await evaluation.post(
        "/ratings", json=rating(street, agency, scores={**GOOD, "quality": 1}), headers=as_street
    )
    assert again.json()["total"] < made.json()["total"]  # a re-submission before the deadline replaces the rating

    async def street_known() -> bool:
        body = rating(
            department, street, form="department_rates_street@1", scores={"duty": 5, "cooperation": 5, "feedback": 5}
        )
        return (await evaluation.post("/ratings", json=body, headers=as_department)).status_code == 201

    await eventually(street_known, timeout=30)
    listed = (await evaluation.get("/ratings", params=OPEN, headers=as_street)).json()
    assert {(r["rater_code"], r["ratee_code"], r["total"]) for r in listed if tag in r["rater_code"]} == {
        (street, agency, again.json()["total"]),
        (department, street, 100.0),
    }


async def test_a_rating_off_its_form_or_late_is_refused_naming_the_field(evaluation: httpx.AsyncClient) -> None:
    street = unique("xinhua")
    as_street = bearer(f"street:{street}")
    cases = [
        (rating(street, "cgj", form="nope@1"), 422, ["body", "form_id"]),
        (rating(street, "cgj", scores={**GOOD, "quality": 6}), 422, ["body", "scores", "quality"]),
        (rating(street, "cgj", scores={"quality": 3, "cooperation": 3}), 422, ["body", "scores", "responsiveness"]),
        (rating(street, "cgj", scores={**GOOD, "speed": 3}), 422, ["body", "scores", "speed"]),
        (rating(street, street), 422, ["body", "ratee_code"]),
        (rating(street, "cgj", form="department_rates_street@1"), 422, ["body", "rater_code"]),
        (rating("someone-else", "cgj"), 403, ["body", "rater_code"]),
        ({**rating(street, "cgj"), **CLOSED}, 422, ["body", "to"]),
        ({**rating(street, "cgj"), "from": str(TODAY), "to": str(TODAY - timedelta(days=1))}, 422, ["body", "to"]),
    ]
    for body, status, loc in cases:
        assert await refused(evaluation, body, as_street) == (status, loc), body
    listed = (await evaluation.get("/ratings", params=OPEN, headers=as_street)).json()
    assert [r for r in listed if street in (r["rater_code"], r["ratee_code"])] == []


async def test_forms_are_listed_with_criteria_scale_and_deadline(evaluation: httpx.AsyncClient) -> None:
    forms = {f["id"]: f for f in (await evaluation.get("/assessment/forms")).json()}
    street_form = forms["street_rates_department@1"]
    assert street_form["rater_kind"] == "street"
    assert street_form["ratee_kinds"] == ["agency", "department"]
    assert street_form["scale"] == [1, 5]
    assert street_form["deadline_days"] > 0
    assert sum(c["weight"] for c in street_form["criteria"]) == pytest.approx(1)
