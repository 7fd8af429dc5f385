"""Accountability (依单履职问责) on a real NATS and Postgres: detectors over the projection against a plain-Python
count, findings the office raises by hand, the office's decisions, letters as HTML and as PDF with Chinese text,
answers by the deadline, events and audit rows."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from nats.js import JetStreamContext

from contracts import CloudEvent, decode, encode
from contracts.envelope import CONTENT_TYPE
from contracts.events.evaluation import AccountabilityChanged, AccountabilityOpened, LetterIssued
from services.evaluation.app import create_app
from services.evaluation.settings import Settings
from services.platform.evaluation_demo import LAGGARD, STREETS, Cast, Scenario, year
from services.platform.evaluation_demo_replay import evaluation_backlog
from tests.integration.test_evaluation_projection import AFTER, FIRST, Q1, figures
from tests.support import bearer, bus, eventually, serving, settings_env, unique

pytestmark = pytest.mark.integration
OFFICE = bearer("office")
PAIR = Cast(STREETS, ("cgj", LAGGARD), LAGGARD)
"""Two departments, so the laggard has enough cases in a quarter to go over its overdue threshold (9 in Q1)."""


@pytest.fixture
async def evaluation(nats_url: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, database_url)))) as client:
        yield client


async def send_traced(js: JetStreamContext, events: list[CloudEvent[Any]]) -> None:
    """Publish as dispatch's relay does, with each case's events under one W3C trace (its case id as trace id)."""

    async def one(event: CloudEvent[Any]) -> None:
        trace = f"00-{event.data.case_id.hex}-{event.id.hex[:16]}-01"
        headers = {"Nats-Msg-Id": str(event.id), "content-type": CONTENT_TYPE, "traceparent": trace}
        token = getattr(event.data, "assignee_code", None) if event.data.ROUTED else None
        await js.publish(event.data.subject(token), encode(event), headers=headers)

    for start in range(0, len(events), 200):
        await asyncio.gather(*(one(e) for e in events[start : start + 200]))


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
    scenarios, events = year(400, seed=17, tag=tag, cast=PAIR)  # a seed of its own: the seed draws the event ids too
    due = [s for s in scenarios if s.department == laggard and within_q1(s)]
    overdue = [s for s in due if s.done_hours > s.due_hours]
    accepted = sum(1 for s in scenarios if s.department == laggard and FIRST <= s.accepted_at < AFTER)
    async with bus(nats_url) as (_, js):
        await send_traced(js, events)
        await eventually(lambda: _settled(evaluation, laggard, accepted), timeout=60)
        # the closure sample counts acceptances; a case's later events may come in the projection's next batch
        await eventually(lambda: _caught_up(js), timeout=60)

    detected = await evaluation.post("/findings/detect", params=Q1, headers=OFFICE)
    assert detected.status_code == 200, detected.text
    mine = {f["situation"]: f for f in detected.json() if f["org_code"] == laggard}
    late = mine["repeated_overdue"]
    assert late["evidence"]["threshold"] == 9  # 3 a month over Q1's 90 days, above 10% of its tasks due
    assert late["evidence"]["base"] == len(due)
    assert len(overdue) >= 9
    assert late["evidence"]["occurrences"] == len(overdue)
    assert {i["case_id"] for i in late["evidence"]["items"]} == {str(s.case_id) for s in overdue}
    assert all(i["trace_id"] == uuid.UUID(i["case_id"]).hex for i in late["evidence"]["items"])
    assert late["status"] == "proposed"
    assert late["source"] == "detector"
    assert late["method"] in {"reminder_talk", "notification_letter", "circulated_criticism", "order_to_rectify"}
    again = await evaluation.post("/findings/detect", params=Q1, headers=OFFICE)
    assert [f for f in again.json() if f["org_code"] == laggard] == []  # a finding is made once per period

    raised = await evaluation.post("/findings", json=pushed(f"cgj{tag}"), headers=OFFICE)
    assert raised.status_code == 201, raised.text
    other = raised.json()
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
    assert late["evidence"]["items"][0]["case_id"] in text

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
    assert {str(e.finding_id): e.source for e in opened} == {finding_id: "detector", other["finding_id"]: "office"}
    (letter,) = await events_of(nats_url, LetterIssued, ids)
    assert letter.method == late["method"]
    changed = await events_of(nats_url, AccountabilityChanged, ids)
    assert sorted(e.status for e in changed) == ["dismissed", "responded"]
    assert await audited(database_url, finding_id) == ["finding.proposed", "finding.confirmed", "finding.responded"]
    assert await audited(database_url, other["finding_id"]) == ["finding.proposed", "finding.dismissed"]


SUMMARY = "要求街道承担清单外的创建迎检台账工作，未经职责准入"


def pushed(org: str, **changes: Any) -> dict[str, Any]:
    """The office raising 向街道转嫁清单外工作 by hand over Q1, citing an admission application and a case."""
    evidence = [
        {
            "application_id": "5f0e7a52-8a64-4c1b-9a57-3c2f1d0e9b11",
            "what": "未经准入下发工作任务至龙沙街道",
            "at": "2022-02-14",
        },
        {
            "case_id": "0b6f1c1e-2d7a-4e8b-8f3c-6a1d2e3f4a5b",
            "what": "以案件名义转派台账整理",
            "at": "2022-03-02T09:30:00+08:00",
        },
    ]
    body = {**Q1, "org_code": org, "situation": "pushing_work", "summary": SUMMARY, "evidence": evidence}
    return {**body, **changes}


def within_q1(s: Scenario) -> bool:
    return FIRST <= s.accepted_at + timedelta(hours=s.due_hours) < AFTER


async def _settled(client: httpx.AsyncClient, org: str, accepted: int) -> bool:
    return (await figures(client, org)).get("closure_rate", {}).get("sample") == accepted


async def _caught_up(js: JetStreamContext) -> bool:
    return await evaluation_backlog(js) == 0


def pdf_text(pdf: bytes) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is installed by .ci/run"
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


async def test_rules_are_data_and_bad_decisions_name_the_field(evaluation: httpx.AsyncClient) -> None:
    rules = (await evaluation.get("/accountability/rules")).json()
    assert len(rules["situations"]) == 7
    overdue = next(s for s in rules["situations"] if s["key"] == "repeated_overdue")
    assert (overdue["per_month"], overdue["share"], overdue["base"]) == (3, 0.1, "tasks due in the period")
    assert rules["month_days"] == 30
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


# long because one hand-raised finding goes through its whole life: raised, confirmed, lettered twice, answered
async def test_the_office_raises_pushing_work_by_hand_and_it_lives_as_a_detected_finding_does(
    evaluation: httpx.AsyncClient, nats_url: str, database_url: str
) -> None:
    org = f"hbj-{unique('h').replace('_', '')[-6:]}"
    raised = await evaluation.post("/findings", json=pushed(org), headers=OFFICE)
    assert raised.status_code == 201, raised.text
    finding = raised.json()
    assert (finding["status"], finding["source"], finding["method"]) == ("proposed", "office", "reminder_talk")
    assert finding["summary"] == SUMMARY
    assert [i["what"] for i in finding["evidence"]["items"]] == [e["what"] for e in pushed(org)["evidence"]]
    assert finding["evidence"]["occurrences"] == 2
    assert (finding["start"], finding["end"]) == (Q1["from"], Q1["to"])
    listed = (await evaluation.get("/findings", params={"org_code": org}, headers=OFFICE)).json()
    assert [(f["finding_id"], f["summary"]) for f in listed] == [(finding["finding_id"], SUMMARY)]
    twice = await evaluation.post("/findings", json=pushed(org, method="order_to_rectify"), headers=OFFICE)
    assert twice.status_code == 409
    assert twice.json()["detail"][0]["loc"] == ["body", "situation"]

    finding_id = finding["finding_id"]
    confirmed = await evaluation.post(
        f"/findings/{finding_id}/decision", json={"action": "confirm", "reason": "经核实属实"}, headers=OFFICE
    )
    assert confirmed.json()["status"] == "confirmed"
    page = (await evaluation.get(f"/findings/{finding_id}/letter.html", headers=OFFICE)).text
    assert "向街道转嫁清单外工作" in page
    assert SUMMARY in page
    assert "未经准入下发工作任务至龙沙街道" in page
    assert "5f0e7a52-8a64-4c1b-9a57-3c2f1d0e9b11" in page
    assert "2022-03-02T09:30" in page
    pdf = await evaluation.get(f"/findings/{finding_id}/letter.pdf", headers=bearer(f"department:{org}"))
    text = "".join(pdf_text(pdf.content).split())  # a long paragraph wraps across lines
    assert SUMMARY in text
    assert "以案件名义转派台账整理" in text
    assert "0b6f1c1e-2d7a-4e8b-8f3c-6a1d2e3f4a5b" in text
    answered = await evaluation.post(
        f"/findings/{finding_id}/answer",
        json={"action": "appeal", "text": "该项工作已列入清单"},
        headers=bearer(f"department:{org}"),
    )
    assert answered.json()["status"] == "appealed"

    (opened,) = await events_of(nats_url, AccountabilityOpened, {finding_id})
    assert (opened.situation, opened.proposed_method, opened.occurrences) == ("pushing_work", "reminder_talk", 2)
    assert opened.source == "office"
    assert len(await events_of(nats_url, LetterIssued, {finding_id})) == 1
    assert await audited(database_url, finding_id) == ["finding.proposed", "finding.confirmed", "finding.appealed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"situation": "laziness"}, ["body", "situation"]),
        ({"method": "public_shaming"}, ["body", "method"]),
        ({"summary": "   "}, ["body", "summary"]),
        ({"from": "2022-03-31", "to": "2022-01-01"}, ["body", "to"]),
        ({"evidence": [{"what": "台账", "at": "2022-02-01"}] * 51}, ["body", "evidence"]),
        ({"evidence": []}, ["body", "evidence"]),
        ({"evidence": [{"what": "长" * 501, "at": "2022-02-01"}]}, ["body", "evidence", 0, "what"]),
        ({"evidence": [{"what": "台账", "at": "2022-02-01T09:00:00"}]}, ["body", "evidence", 0, "at"]),
        ({"org_code": "龙沙 街道"}, ["body", "org_code"]),
    ],
)
async def test_a_finding_raised_by_hand_with_bad_input_is_refused_naming_the_field(
    evaluation: httpx.AsyncClient, changes: dict[str, Any], field: list[Any]
) -> None:
    refused = await evaluation.post("/findings", json=pushed("cgj-bad", **changes), headers=OFFICE)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"][: len(field)] == field


async def test_only_the_office_raises_findings_by_hand(evaluation: httpx.AsyncClient) -> None:
    by_street = await evaluation.post("/findings", json=pushed("cgj-street"), headers=bearer("street:longsha"))
    assert by_street.status_code == 403
    listed = (await evaluation.get("/findings", params={"org_code": "cgj-street"}, headers=OFFICE)).json()
    assert listed == []
