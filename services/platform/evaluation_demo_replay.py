"""The evaluation demo (``linkage up --demo``): a year of cases, two-way ratings, scorecards and a finding (考评演示).

Dispatch stamps what it does with the wall clock (acceptance, deadlines, the overdue sweep, closure), so a
year of cases cannot pass through it in the minute the demo has. The demo publishes instead the events
dispatch would have published over that year (``evaluation_demo``: the same contracts and subjects, backdated
times) onto the DISPATCH stream, and evaluation projects them through its own durable consumers, as it does
live ones. Everything after that goes through evaluation's routes with each party's token: streets and
departments rate each other, the office publishes the year's scorecards, runs the detectors and confirms
one finding, so a notification letter (告知书) exists too.

The year ends eight days before today: every backdated event (the last come ~6 days after their case) is in
the past, and the period's ratings are still open (forms take them for 15 days after the period).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import nats
from nats.js import JetStreamContext

from contracts import CloudEvent, encode, stream_for_subject
from contracts.base import DISTRICT_TZ
from contracts.envelope import CONTENT_TYPE
from contracts.events.dispatch import TaskAssigned
from services.platform.catalog_demo_data import STREETS
from services.platform.errors import PlatformError
from services.platform.evaluation_demo import Cast, Scenario, year
from services.runtime.auth import mint_token
from services.runtime.bus import inbox_prefix

DISPATCH_STREAM = stream_for_subject(TaskAssigned.TYPE).name
"""The stream dispatch's events (and so the demo's) are published onto."""
CASES = 8_461
"""DOMAIN.md: the cases Longsha accepted in 2022."""
LONGSHA = Cast(
    streets=tuple(STREETS),
    assignees=("cgj", "scjg", "zjj", "sthjj", "mzj", "{street}-sfs", "{street}-cgzd"),
    laggard="zjj",
)
"""The catalogue demo's streets, five of its departments and each street's own two dispatched agencies."""
ENDS_DAYS_AGO = 8
PATIENCE_S = 300.0
CHUNK = 500
SEED = 2022
OVERDUE = "repeated_overdue"
SERVICE_CRITERIA = ("responsiveness", "quality", "cooperation")
"""street_rates_department@1's criteria (GET /assessment/forms)."""
STREET_CRITERIA = ("duty", "cooperation", "feedback")
"""department_rates_street@1's criteria."""


class Parties:
    """Evaluation over HTTP, with a token for each party that rates or decides."""

    def __init__(self, url: str, secret: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=120)
        self.secret = secret

    def as_(self, role: str) -> dict[str, str]:
        token = mint_token(self.secret, subject=f"demo-{role.replace(':', '-')}", roles=[role], ttl_s=600)
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, role: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=self.as_(role), **kwargs)
        if response.status_code >= 400:
            raise PlatformError(f"evaluation demo: {method} {path} refused ({response.status_code}): {response.text}")
        return response.json()


def demo_period(today: date) -> tuple[date, date]:
    """The demo's year: 365 days ending ``ENDS_DAYS_AGO`` days before ``today``."""
    end = today - timedelta(days=ENDS_DAYS_AGO)
    return end - timedelta(days=364), end


def run(
    evaluation_url: str, nats_url: str, secret: str, *, cases: int = CASES, seed: int = SEED, today: date | None = None
) -> Iterator[str]:
    """``linkage up --demo``'s part: what it says while the year is replayed and assessed (the year before
    ``today``, by default the district's today)."""
    start, end = demo_period(today or datetime.now(DISTRICT_TZ).date())
    period = {"from": str(start), "to": str(end)}
    parties = Parties(evaluation_url, secret)
    try:
        if parties.call("GET", "/scorecards", "office", params=period):
            yield "evaluation demo already loaded"
            return
        yield f"evaluation demo: {cases:,} cases of {start}..{end} onto the {DISPATCH_STREAM} stream"
        scenarios, events = year(cases, seed=seed, start=_midnight(start), cast=LONGSHA)
        asyncio.run(replay(nats_url, events))
        yield f"evaluation demo: {len(events):,} events projected; streets and departments rate each other"
        yield from assess(parties, scenarios, period, seed=seed)
    finally:
        parties.http.close()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), DISTRICT_TZ)


def assess(parties: Parties, scenarios: Sequence[Scenario], period: dict[str, str], *, seed: int) -> Iterator[str]:
    """Ratings both ways, the year's scorecards, the detectors, and one finding confirmed into a letter."""
    rated = rate_each_other(parties, scenarios, period, rng=random.Random(seed))
    cards = parties.call("POST", "/scorecards/publish", "office", params=period)
    findings = parties.call("POST", "/findings/detect", "office", params=period)
    yield f"evaluation demo: {rated} ratings, {len(cards)} scorecards published, {len(findings)} findings proposed"
    if chosen := _worst(findings):
        reason = "多次超期办理，经核实情况属实（演示）"
        body = {"action": "confirm", "reason": reason}
        parties.call("POST", f"/findings/{chosen['finding_id']}/decision", "office", json=body)
        yield f"evaluation demo: {chosen['org_code']}'s {chosen['situation']} confirmed; its letter is served"


def _worst(findings: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The most repeated overdue work (the laggard's, as the demo is drawn), else the most repeated finding."""
    return max(findings, key=lambda f: (f["situation"] == OVERDUE, f["evidence"]["occurrences"]), default=None)


def rate_each_other(
    parties: Parties, scenarios: Sequence[Scenario], period: dict[str, str], *, rng: random.Random
) -> int:
    """街道评部门 and 部门评街道: each pair that shared cases rates once; the laggard is rated low."""
    pairs = sorted({(s.street, s.department) for s in scenarios})
    for street, assignee in pairs:
        low = assignee == LONGSHA.laggard
        scores = {k: rng.randint(2, 3) if low else rng.randint(4, 5) for k in SERVICE_CRITERIA}
        body = {**period, "form_id": "street_rates_department@1", "rater_code": street, "ratee_code": assignee}
        parties.call("POST", "/ratings", f"street:{street}", json={**body, "scores": scores})
    departments = [(street, assignee) for street, assignee in pairs if "-" not in assignee]  # not agencies
    for street, department in departments:
        scores = {k: rng.randint(3, 5) for k in STREET_CRITERIA}
        body = {**period, "form_id": "department_rates_street@1", "rater_code": department, "ratee_code": street}
        parties.call("POST", "/ratings", f"department:{department}", json={**body, "scores": scores})
    return len(pairs) + len(departments)


async def replay(nats_url: str, events: Sequence[CloudEvent[Any]]) -> None:
    """Publish ``events`` as dispatch's relay would (PubAck awaited, event id as Nats-Msg-Id); wait until
    evaluation's consumers have projected them."""
    # As dispatch: under linkage up its NATS user, whose replies arrive only under its own inbox prefix.
    client = await nats.connect(
        servers=nats_url.split(","), name="linkage-evaluation-demo", inbox_prefix=inbox_prefix("dispatch")
    )
    try:
        js = client.jetstream()
        for first in range(0, len(events), CHUNK):
            await asyncio.gather(*(_publish(js, event) for event in events[first : first + CHUNK]))
        await _projected(js)
    finally:
        await client.close()


async def _publish(js: JetStreamContext, event: CloudEvent[Any]) -> None:
    headers = {"Nats-Msg-Id": str(event.id), "content-type": CONTENT_TYPE}
    token = getattr(event.data, "assignee_code", None) if event.data.ROUTED else None
    await js.publish(event.data.subject(token), encode(event), headers=headers, stream=DISPATCH_STREAM)


async def _projected(js: JetStreamContext) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while (backlog := await evaluation_backlog(js)) > 0:
        if time.monotonic() > deadline:
            raise PlatformError(f"evaluation demo: {backlog} events still unprojected after {PATIENCE_S:.0f} s")
        await asyncio.sleep(0.5)


async def evaluation_backlog(js: JetStreamContext) -> int:
    """What evaluation's durable consumers on DISPATCH have yet to take or acknowledge."""
    consumers = await js.consumers_info(DISPATCH_STREAM)
    mine = [c for c in consumers if c.name.startswith("evaluation-")]
    return sum((c.num_pending or 0) + (c.num_ack_pending or 0) for c in mine)
