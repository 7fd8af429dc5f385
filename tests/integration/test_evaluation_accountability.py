"""Accountability (依单履职问责) on a real NATS and Postgres: detectors over the projection against a plain-Python
count, the office's decisions, letters as HTML and as PDF with Chinese text, answers by the deadline, events
and audit rows."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from contracts import decode
from contracts.events.evaluation import AccountabilityChanged, AccountabilityOpened, LetterIssued
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.evaluation_demo import LAGGARD, Scenario, year
from tests.integration.test_evaluation_projection import AFTER, FIRST, Q1, figures, send_all
from tests.support import bearer, bus, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def events_of(nats_url: str, contract: Any, finding_ids: set[str]) -> list[Any]:
    found = []
    async with bus(nats_url) as (_, js):
        subscription = await js.subscribe(contract.TYPE, ordered_consumer=True)
        while True:
            msg = await subscription.next_msg(timeout=5)
            event = decode(msg.data, contract).data
            if str(event.finding_id) in finding_ids:
                found.append(event)
            if msg.metadata.num_pending == 0:
                return found


async def audited(database_url: str, finding_id: str) -> list[str]:
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT action FROM evaluation.audit WHERE entity = $1 ORDER BY id", f"finding:{finding_id}"
        )
    finally:
        await connection.close()
    return [row["action"] for row in rows]


# long because one detected period is the fixture the whole lifecycle below reads
async def test_findings_are_detected_decided_lettered_and_answered(
    evaluation: httpx.AsyncClient, nats_url: str, database_url: str
) -> None:
    tag = "-" + unique("a").replace("_", "")[-6:]
    laggard = f"{LAGGARD}{tag}"
    scenarios, events = year(400, seed=17, tag=tag)  # a seed of its own: the seed draws the event ids too
    async with bus(nats_url) as (_, js):
        await send_all(js, events)
    overdue = [s for s in scenarios if s.department == laggard and s.done_hours > s.due_hours and within_q1(s)]
    accepted = sum(1 for s in scenarios if s.department == laggard and FIRST <= s.accepted_at < AFTER)
    await eventually(lambda: _settled(evaluation, laggard, accepted), timeout=60)

    detected = await evaluation.post("/findings/detect", params=Q1, headers=OFFICE)
    assert detected.status_code == 200, detected.text
    mine = {f["situation"]: f for f in detected.json() if f["org_code"] == laggard}
    assert len(overdue) >= 3
    late = mine["repeated_overdue"]
    assert late["evidence"]["occurrences"] == len(overdue)
    assert {i["case_id"] for i in late["evidence"]["items"]} == {str(s.case_id) for s in overdue}
    assert all(i["trace_id"] for i in late["evidence"]["items"])
    assert late["status"] == "proposed"
    assert late["method"] in {"reminder_talk", "notification_letter", "circulated_criticism", "order_to_rectify"}
    again = await evaluation.post("/findings/detect", params=Q1, headers=OFFICE)
    assert [f for f in again.json() if f["org_code"] == laggard] == []  # a finding is made once per period

    other = next(f for f in detected.json() if tag in f["org_code"] and f["finding_id"] != late["finding_id"])
    dismissed = await evaluation.post(
        f"/findings/{other['finding_id']}/decision",
        json={"action": "dismiss", "reason": "已整改，情节轻微"},
        headers=OFFICE,
    )
    assert dismissed.json()["status"] == "dismissed"
    conflict = await evaluation.post(
        f"/findings/{other['finding_id']}/decision", json={"action": "confirm", "reason": "改判"}, headers=OFFICE
    )
    assert conflict.status_code == 409
    assert conflict.json()["detail"][0]["loc"] == ["body", "status"]
    assert "dismissed" in conflict.json()["detail"][0]["msg"]
    no_letter = await evaluation.get(f"/findings/{other['finding_id']}/letter.html", headers=OFFICE)
    assert no_letter.status_code == 409

    finding_id = late["finding_id"]
    confirmed = await evaluation.post(
        f"/findings/{finding_id}/decision", json={"action": "confirm", "reason": "多次超期，情况属实"}, headers=OFFICE
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["letter"] == f"/findings/{finding_id}/letter.html"

    page = await evaluation.get(f"/findings/{finding_id}/letter.html", headers=OFFICE)
    assert "依单履职问责告知书" in page.text
    assert "多次超期办理" in page.text
    assert late["evidence"]["items"][0]["trace_id"] in page.text
    assert str(overdue[0].case_id) in page.text
    pdf = await evaluation.get(f"/findings/{finding_id}/letter.pdf", headers=bearer(f"department:{laggard}"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "依单履职问责告知书" in text
    assert laggard in text
    assert str(overdue[0].case_id) in text

    as_other = await evaluation.post(
        f"/findings/{finding_id}/answer", json={"action": "appeal", "text": "不服"}, headers=bearer("department:cgj")
    )
    assert as_other.status_code == 403
    responded = await evaluation.post(
        f"/findings/{finding_id}/answer",
        json={"action": "respond", "text": "已落实整改措施"},
        headers=bearer(f"department:{laggard}"),
    )
    assert responded.json()["status"] == "responded"
    twice = await evaluation.post(
        f"/findings/{finding_id}/answer",
        json={"action": "appeal", "text": "申诉"},
        headers=bearer(f"department:{laggard}"),
    )
    assert twice.status_code == 409

    ids = {finding_id, other["finding_id"]}
    opened = await events_of(nats_url, AccountabilityOpened, ids)
    assert {str(e.finding_id) for e in opened} == ids
    (letter,) = await events_of(nats_url, LetterIssued, ids)
    assert letter.method == late["method"]
    changed = await events_of(nats_url, AccountabilityChanged, ids)
    assert sorted(e.status for e in changed) == ["dismissed", "responded"]
    assert await audited(database_url, finding_id) == ["finding.proposed", "finding.confirmed", "finding.responded"]
    assert await audited(database_url, other["finding_id"]) == ["finding.proposed", "finding.dismissed"]


def within_q1(s: Scenario) -> bool:
    return FIRST <= s.accepted_at + timedelta(hours=s.due_hours) < AFTER


async def _settled(client: httpx.AsyncClient, org: str, accepted: int) -> bool:
    return (await figures(client, org)).get("closure_rate", {}).get("sample") == accepted


def pdf_text(pdf: bytes) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is installed by .ci/run"
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


async def test_rules_are_data_and_bad_decisions_name_the_field(evaluation: httpx.AsyncClient) -> None:
    rules = (await evaluation.get("/accountability/rules")).json()
    assert len(rules["situations"]) == 7
    assert len(rules["methods"]) == 6
    assert rules["rules"]
    missing = await evaluation.post(
        "/findings/00000000-0000-4000-8000-000000000000/decision",
        json={"action": "confirm", "reason": "x"},
        headers=OFFICE,
    )
    assert missing.status_code == 404
    odd = await evaluation.post(
        "/findings/00000000-0000-4000-8000-000000000000/decision",
        json={"action": "punish", "reason": "x"},
        headers=OFFICE,
    )
    assert odd.json()["detail"][0]["loc"] == ["body", "action"]
    by_street = await evaluation.post("/findings/detect", params=Q1, headers=bearer("street:longsha"))
    assert by_street.status_code == 403
