"""Admission's pure rules (职责准入): automatic checks, similarity, the route, deadlines, progress."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from contracts.base import TimeLimit, TimeUnit
from contracts.events.admission import ApplicationKind, Verdict
from contracts.events.catalog import ClauseRef, DutyTask, ItemDefinition, ListKind, TaskParty
from services.admission.domain import progress
from services.admission.domain.application import (
    Answer,
    Application,
    Decide,
    Decision,
    Resources,
    Status,
    SubmitApplication,
    changes,
    check_revision,
)
from services.admission.domain.checks import CheckSettings, screen
from services.admission.domain.facts import CatalogueFacts, KnownItem, Library
from services.admission.domain.progress import Party, PartyKind
from services.admission.domain.route import DEFAULT_ROUTE, Route, Stage, StageKind, due_after
from services.admission.domain.similarity import similarity
from services.runtime.errors import Conflict, Rejected

LAW = ClauseRef(law_id="L-rkjs", law_title="人口与计划生育法", article="第十二条")
REPEALED = ClauseRef(law_id="L-old", law_title="旧条例", article="第三条")
UNKNOWN = ClauseRef(law_id="L-none", law_title="不存在的法", article="第一条")
TODAY = date(2026, 6, 1)


def definition(
    code: str, name: str, *tasks: tuple[TaskParty, str], basis: tuple[ClauseRef, ...] = (LAW,)
) -> ItemDefinition:
    return ItemDefinition(
        item_code=code,
        name=name,
        list_kind=ListKind.COMMON,
        domain="卫生健康",
        responsible_body="jsx",
        time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
        legal_basis=basis,
        tasks=tuple(DutyTask(party=party, text=text) for party, text in tasks),
    )


HEALTH = definition("GX-010", "人口与计划生育服务", (TaskParty.STREET, "配合主管部门做好人口与计划生育宣传引导"))
RETIRED = KnownItem(item_code="GX-099", name="计生协会会员发展", version=3, retired=True)
FACTS = CatalogueFacts(
    items={"GX-010": KnownItem("GX-010", HEALTH.name, 2, definition=HEALTH), "GX-099": RETIRED},
    library=Library(
        clauses=frozenset({("L-rkjs", "第十二条", ""), ("L-old", "第三条", "")}), repealed={"L-old": date(2025, 1, 1)}
    ),
)


def apply(
    proposal: ItemDefinition | None,
    *,
    kind: ApplicationKind = ApplicationKind.ADD,
    code: str | None = None,
    resources: Resources | None = None,
) -> SubmitApplication:
    return SubmitApplication(
        department_code="jsx",
        kind=kind,
        item_code=code or (proposal.item_code if proposal else "GX-010"),
        proposal=proposal,
        street_codes=("wulong", "hubin"),
        resources=resources or Resources(staff=1),
        reason="区计生协申请",
    )


def codes(command: SubmitApplication) -> list[tuple[str, str, bool]]:
    return [(f.code, f.field, f.hard) for f in screen(command, FACTS, CheckSettings(), today=TODAY)]


def test_a_new_duty_with_a_clause_in_force_and_resources_passes_clean() -> None:
    new = definition("GX-200", "计生协会基层组织建设", (TaskParty.STREET, "指导社区建立计生协会小组"))
    assert codes(apply(new)) == []


def test_a_clause_outside_the_library_or_repealed_is_refused_naming_its_field() -> None:
    unknown = definition("GX-200", "计生协会基层组织建设", basis=(UNKNOWN,))
    assert codes(apply(unknown))[0] == ("clause_unknown", "proposal.legal_basis[0]", True)
    repealed = definition("GX-200", "计生协会基层组织建设", basis=(REPEALED,))
    assert codes(apply(repealed))[0] == ("clause_not_in_force", "proposal.legal_basis[0]", True)
    assert codes(apply(definition("GX-200", "计生协会基层组织建设", basis=())))[0][0] == "basis_missing"


def test_duplicates_by_code_are_refused_and_by_similar_name_flagged() -> None:
    assert codes(apply(HEALTH))[0] == ("duplicate_code", "item_code", True)
    similar = definition("GX-201", "人口与计划生育服务工作")
    assert ("similar_name", "proposal.name", False) in codes(apply(similar))


def test_re_adding_a_removed_duty_is_flagged_by_code_and_by_name() -> None:
    assert ("readds_retired_item", "item_code", False) in codes(apply(definition("GX-099", "另一个名字")))
    assert ("readds_retired_item", "proposal.name", False) in codes(apply(definition("GX-300", "计生协会会员发展")))


def test_moving_a_co_operating_duty_onto_streets_is_flagged() -> None:
    moved = definition("GX-200", "计生协宣传", (TaskParty.STREET, "做好人口与计划生育宣传引导"))
    assert ("moves_co_operating_duty", "proposal.tasks[0].text", False) in codes(apply(moved))


def test_street_tasks_without_resources_are_flagged() -> None:
    bare = definition("GX-200", "计生协会基层组织建设", (TaskParty.STREET, "指导社区建立计生协会小组"))
    assert codes(apply(bare, resources=Resources())) == [("no_resources", "resources", False)]


def test_change_and_remove_need_a_live_item_and_a_change_carries_its_diff() -> None:
    assert codes(apply(None, kind=ApplicationKind.REMOVE, code="GX-404"))[0] == ("unknown_item", "item_code", True)
    assert codes(apply(None, kind=ApplicationKind.CHANGE))[0][0] == "proposal_missing"
    widened = definition("GX-010", HEALTH.name, (TaskParty.STREET, "建立计生台账"))
    diff = changes(HEALTH, widened)
    assert diff["street_tasks_added"] == ["建立计生台账"]
    assert diff["street_tasks_dropped"] == ["配合主管部门做好人口与计划生育宣传引导"]


def test_similarity_works_on_chinese_characters() -> None:
    assert similarity("做好人口与计划生育宣传引导", "人口与计划生育宣传引导") > 0.8
    assert similarity("占道经营处罚", "人口与计划生育宣传") == 0


def test_deadlines_count_chinese_working_days_with_holidays() -> None:
    # 2026-09-30 (Wed): National Day holidays run 10-01..10-07, then work resumes
    assert due_after(date(2026, 9, 30), 1) > date(2026, 10, 7)
    assert due_after(date(2026, 6, 1), 5) == date(2026, 6, 8)


def test_the_route_opens_parallel_stages_and_decides_last() -> None:
    parallel = Route(
        stages=(
            DEFAULT_ROUTE.stages[0],
            DEFAULT_ROUTE.stages[1].model_copy(update={"with_previous": True}),
            DEFAULT_ROUTE.stages[2],
        )
    )
    assert [s.name for s in parallel.opening(frozenset())] == ["review", "consultation"]
    assert [s.name for s in parallel.opening(frozenset({"review"}))] == ["consultation"]
    assert [s.name for s in parallel.opening(frozenset({"review", "consultation"}))] == ["decision"]
    with pytest.raises(ValueError, match="decision"):
        Route(stages=(Stage(name="review", kind=StageKind.DECISION), Stage(name="x", kind=StageKind.CONSULTATION)))


def party(kind: PartyKind = PartyKind.STREET) -> Party:
    return Party(uuid.uuid4(), "consultation", kind, "wulong", due_on=date(2026, 6, 5))


def test_an_answer_comes_once_and_by_its_deadline() -> None:
    answer = Answer(verdict=Verdict.OBJECT, opinion="街道无力承担")
    answered = progress.record_answer(party(), answer, by="s", at=datetime(2026, 6, 2), today=date(2026, 6, 2))
    with pytest.raises(Conflict) as twice:
        progress.record_answer(answered, answer, by="s", at=datetime(2026, 6, 2), today=date(2026, 6, 2))
    assert twice.value.field == "state"
    with pytest.raises(Conflict) as late:
        progress.record_answer(party(), answer, by="s", at=datetime(2026, 6, 9), today=date(2026, 6, 9))
    assert late.value.field == "due_on"
    assert progress.answer_objection(answered, "已研究").reply == "已研究"


def test_late_reviews_escalate_and_silent_streets_lapse() -> None:
    late_day = date(2026, 6, 9)
    assert progress.escalations([party(PartyKind.REVIEWER)], late_day)[0].escalated_on == late_day
    assert progress.lapses(DEFAULT_ROUTE.stage("consultation"), [party()], late_day)[0].silent
    assert progress.lapses(DEFAULT_ROUTE.stage("review"), [party()], late_day) == []


def test_the_committee_decides_once_and_only_after_every_stage() -> None:
    decision = Decide(decision=Decision.REJECT, minutes_ref="常委会〔2026〕7号", reason="街道无力承担")
    assert progress.decide(Status.AWAITING_DECISION, decision) is Status.REJECTED
    for status in (Status.IN_REVIEW, Status.REJECTED):
        with pytest.raises(Conflict):
            progress.decide(status, decision)
    assert progress.withdraw(Status.IN_REVIEW) is Status.WITHDRAWN
    with pytest.raises(Conflict):
        progress.withdraw(Status.APPROVED)


def _kept(command: SubmitApplication, status: Status) -> Application:
    return Application(
        id=uuid.uuid4(),
        department_code=command.department_code,
        kind=command.kind,
        item_code=command.item_code,
        item_name=command.item_name,
        proposal=command.proposal,
        street_codes=command.street_codes,
        resources=command.resources,
        reason=command.reason,
        diff={},
        findings=(),
        status=status,
        submitted_by="jsx-user",
        submitted_at=datetime(2026, 3, 2, 9, 0),
    )


def test_only_a_returned_application_is_revised_and_for_the_same_item_department_and_kind() -> None:
    command = apply(None, kind=ApplicationKind.REMOVE, code="GX-010")
    check_revision(_kept(command, Status.RETURNED), command)
    for status in (Status.IN_REVIEW, Status.REJECTED, Status.REVISED, Status.APPROVED):
        with pytest.raises(Conflict):
            check_revision(_kept(command, status), command)
    with pytest.raises(Rejected) as refused:
        check_revision(_kept(command, Status.RETURNED), apply(None, kind=ApplicationKind.REMOVE, code="GX-011"))
    assert refused.value.field == "item_code"
    assert not Status.REVISED.open
