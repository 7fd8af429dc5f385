"""告知书: a confirmed finding's notification letter, with its evidence cases and their timelines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contracts.base import DISTRICT_TZ
from services.evaluation.domain.accountability import DISMISSED, METHOD, PROPOSED, SITUATION, Method, Situation
from services.evaluation.domain.letters import EvidenceCase, timeline
from services.evaluation.store.facts import FactStore
from services.evaluation.store.findings import Finding, FindingStore
from services.runtime.errors import Conflict, NotFound
from services.runtime.uow import UnitOfWork

CASES_SHOWN = 20
"""Evidence cases a letter lays out with their timelines (the count of all occurrences is stated)."""


@dataclass(frozen=True)
class Letter:
    finding: Finding
    situation: Situation
    method: Method
    cases: tuple[EvidenceCase, ...]


async def letter(uow: UnitOfWork, finding_id: uuid.UUID) -> Letter:
    """The letter of a confirmed (or since answered) finding; ``Conflict`` naming the status of one never confirmed."""
    async with uow:
        finding = await uow.repository(FindingStore).get(finding_id)
        if finding is None:
            raise NotFound(f"no finding {finding_id}", field="finding_id", location="path")
        if finding.status in (PROPOSED, DISMISSED):
            raise Conflict(f"a {finding.status} finding has no letter", field="status")
        case_ids = list(dict.fromkeys(uuid.UUID(i["case_id"]) for i in finding.evidence["items"] if i["case_id"]))
        facts = uow.repository(FactStore)
        cases = await facts.cases(case_ids[:CASES_SHOWN])
        tasks = await facts.tasks_of_cases([c.case_id for c in cases])
    shown = tuple(timeline(c, [t for t in tasks if t.case_id == c.case_id]) for c in cases)
    return Letter(finding, SITUATION[finding.situation], METHOD[finding.method], shown)


def paragraphs(letter: Letter) -> list[str]:
    """The letter's body, the same words in its HTML and its PDF."""
    f, respond_by = letter.finding, letter.finding.respond_by
    due = respond_by.astimezone(DISTRICT_TZ).strftime("%Y年%m月%d日 %H:%M") if respond_by else "—"
    return [
        f"{f.org_code}：",
        *(_raised(letter) if f.source == "office" else _detected(letter)),
        f"依据依单履职监管问责制度，决定采取“{letter.method.name}”方式问责。办理意见：{f.reason or '—'}",
        f"请于 {due}（北京时间）前书面说明情况或提出申诉；逾期视为无异议。",
    ]


def _detected(letter: Letter) -> list[str]:
    f, s = letter.finding, letter.situation
    threshold, base = f.evidence.get("threshold", s.per_month), f.evidence.get("base")
    share = f"，且不低于{s.base}（{base} 件）的 {s.share:.0%}" if base is not None and s.share is not None else ""
    return [
        f"经对 {f.period_start} 至 {f.period_end} 期间案件办理数据核查，你单位存在“{s.name}”情形"
        f"（{s.evidence}）共 {f.evidence['occurrences']} 次，"
        f"达到认定标准（本期 {threshold:g} 次：每月 {s.per_month:g} 次{share}）。"
    ]


def _raised(letter: Letter) -> list[str]:
    """A finding the office raised by hand: its summary, then each piece of evidence it cited."""
    f, name = letter.finding, letter.situation.name
    said = f"经对 {f.period_start} 至 {f.period_end} 期间有关情况核查，你单位存在“{name}”情形：{f.summary}"
    return [said, *(f"证据{n}：{_cited(item)}" for n, item in enumerate(f.evidence["items"], start=1))]


def _cited(item: dict[str, Any]) -> str:
    ids = [
        f"案件 {item['case_id']}" if item.get("case_id") else "",
        f"准入申请 {item['application_id']}" if item.get("application_id") else "",
    ]
    where = "；".join(i for i in ids if i)
    return f"{(item.get('at') or '')[:16]} {item['what']}" + (f"（{where}）" if where else "")
