"""Admission deadlines on a real Postgres: a late review is escalated and refused, silent streets are recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts.base import TimeLimit, TimeUnit
from contracts.events.admission import ApplicationKind, Verdict
from contracts.events.catalog import ClauseRef, DutyTask, ItemDefinition, ItemPublished, ListKind, TaskParty
from services.admission import store
from services.admission.domain.application import Answer, Resources, Status, SubmitApplication
from services.admission.service import answers, projection, submissions
from services.admission.service.submissions import Visibility
from services.runtime.db import create_engine, sessionmaker
from services.runtime.errors import Conflict
from services.runtime.uow import UnitOfWork
from tests.support import unique

pytestmark = pytest.mark.integration
LAW = ClauseRef(law_id="L-rkjs", law_title="人口与计划生育法", article="第十二条")
OFFICE = Visibility(everything=True, departments=frozenset(), reviewers=frozenset(), streets=frozenset())


@pytest.fixture
async def uows(database_url: str) -> AsyncIterator[Callable[[], UnitOfWork]]:
    engine: AsyncEngine = create_engine(database_url, pool_size=2)
    yield lambda: UnitOfWork(sessionmaker(engine), store.plumbing, source="/tests", actor="tester")
    await engine.dispose()


def item(code: str, task: str) -> ItemDefinition:
    return ItemDefinition(
        item_code=code,
        name=f"计生协工作{code}",
        list_kind=ListKind.COMMON,
        domain="卫生健康",
        responsible_body="jsx",
        time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
        legal_basis=(LAW,),
        tasks=(DutyTask(party=TaskParty.STREET, text=task),),
    )


async def test_late_reviews_escalate_and_refuse_answers_and_silent_streets_close_consultation(
    uows: Callable[[], UnitOfWork],
) -> None:
    seed = item(unique("GX"), "建立人口台账")
    await projection.project_item(
        uows(), ItemPublished(**seed.model_dump(), version=1, effective_from=date(2026, 1, 1))
    )
    proposal = item(unique("GX"), f"组织开展婚育新风宣讲{unique('')}")
    command = SubmitApplication(
        department_code="jsx",
        kind=ApplicationKind.ADD,
        item_code=proposal.item_code,
        proposal=proposal,
        street_codes=("wulong", "hubin"),
        resources=Resources(funds_yuan=1000),
        reason="理由",
    )
    application = await submissions.submit_application(uows(), command, acting_for=frozenset({"jsx"}))
    _, asked = await submissions.application_view(uows(), application.id, sees=OFFICE)
    late = max(p.due_on for p in asked) + timedelta(days=1)
    agree = Answer(verdict=Verdict.AGREE, opinion="同意")
    await answers.record_review(uows(), application.id, "legality", agree, acting_for=frozenset({"sfj"}))

    assert await answers.sweep(uows(), today=late) >= 1  # 营商局 is late: escalated, and cannot answer now
    _, asked = await submissions.application_view(uows(), application.id, sees=OFFICE)
    assert {p.code: p for p in asked}["ysj"].escalated_on == late
    ysj = frozenset({"ysj"})
    with pytest.raises(Conflict) as refused:
        await answers.record_review(uows(), application.id, "reasonableness", agree, acting_for=ysj, today=late)
    assert refused.value.field == "due_on"

    await answers.extend_deadline(uows(), application.id, "ysj", late + timedelta(days=3))
    await answers.record_review(uows(), application.id, "reasonableness", agree, acting_for=ysj, today=late)
    await answers.answer_consultation(
        uows(), application.id, "wulong", agree, acting_for=frozenset({"wulong"}), today=late
    )
    _, asked = await submissions.application_view(uows(), application.id, sees=OFFICE)
    after = max(p.due_on for p in asked) + timedelta(days=1)
    await answers.sweep(uows(), today=after)  # 湖滨 never answered: recorded silent, consultation closes

    shown, asked = await submissions.application_view(uows(), application.id, sees=OFFICE)
    by_code = {p.code: p for p in asked}
    assert by_code["hubin"].silent
    assert not by_code["wulong"].silent
    assert shown.status is Status.AWAITING_DECISION
    timeline = await submissions.timeline(uows(), application.id, sees=OFFICE)
    actions = [entry["action"] for entry in timeline]
    for action in ("review.escalated", "deadline.extended", "street.silent", "consultation.closed", "decision.opened"):
        assert action in actions
