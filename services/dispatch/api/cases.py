"""Cases: search, view, timeline; the street's verification and closure; ratings, arbitration, whistles; views."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.dispatch import service
from services.dispatch.api.policy import AckWithin
from services.dispatch.api.roles import actor_of, codes_of, reads_inside
from services.dispatch.api.schemas import (
    Arbitration,
    CasePublic,
    Closure,
    HolidayNotice,
    Rating,
    RoutingPublic,
    TimelineEntry,
    Verification,
    Whistle,
    YearPublic,
)
from services.dispatch.domain import CaseStatus
from services.dispatch.domain.case import Case
from services.dispatch.domain.records import CaseFilter
from services.dispatch.service import ArbitrateCase, BlowWhistle, CloseCase
from services.runtime.auth import Principal
from services.runtime.deps import Office, OfficeOrOperator, Reporter, Staff, StreetOrOffice, TaskHolder
from services.runtime.deps import UowDep as Uow
from services.runtime.errors import Forbidden

router = APIRouter(tags=["cases"])


@router.get(
    "/cases",
    summary="Case search (案件查询), newest first: the office's and operators' over all; a department, street or "
    "agency names its own assignee_code (本单位案件)",
)
async def search(
    uow: Uow,
    principal: Staff,
    status: CaseStatus | None = None,
    street_code: str | None = None,
    item_code: str | None = None,
    assignee_code: Annotated[str | None, Query(description="a department's, street's or agency's cases")] = None,
    overdue: Annotated[bool | None, Query(description="true: a task flagged overdue (逾期); false: none")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CasePublic]:
    wanted = CaseFilter(
        status=status, street_code=street_code, item_code=item_code, assignee_code=assignee_code, overdue=overdue
    )
    _searches_own(principal, assignee_code)
    found = await service.search_cases(uow, wanted, limit=limit)
    return [CasePublic.model_validate(replace(case, tasks=())) for case, _primary in found]


@router.get(
    "/cases/{case_id}",
    summary="A case with its tasks and why they went where they went: the office's, its street's, its assignees'",
)
async def get_case(case_id: uuid.UUID, uow: Uow, principal: TaskHolder) -> CasePublic:
    return CasePublic.model_validate(await _inside(uow, case_id, principal))


@router.get(
    "/cases/{case_id}/timeline",
    summary="案件时间线: every step of a case, who, when, why, trace id: the office's, its street's, its assignees'",
)
async def get_timeline(case_id: uuid.UUID, uow: Uow, principal: TaskHolder) -> list[TimelineEntry]:
    await _inside(uow, case_id, principal)
    return [TimelineEntry.model_validate(entry) for entry in await service.case_timeline(uow, case_id)]


def _searches_own(principal: Principal, assignee_code: str | None) -> None:
    """An organisation reads the cases it has a task in, as ``reads_inside`` lets it read each of them."""
    if principal.has("office") or principal.has("operator"):
        return
    if assignee_code is None or assignee_code not in codes_of(principal):
        reason = "a department, street or agency searches its own cases: name one of its codes as assignee_code"
        raise Forbidden(reason, field="assignee_code", location="query")


async def _inside(uow: Uow, case_id: uuid.UUID, principal: Principal) -> Case:
    """The case, if the caller reads its inside (task results, return notes, whistles); else a 403."""
    case = await service.case_view(uow, case_id)
    if not reads_inside(principal, case):
        reason = f"case {case_id}'s notes are read by the office, its street and its assignees only"
        raise Forbidden(reason, field="case_id", location="path")
    return case


@router.post("/cases/{case_id}/verify", status_code=204, summary="核查 by the case's street: pass or rework")
async def verify(case_id: uuid.UUID, body: Verification, uow: Uow, principal: StreetOrOffice) -> None:
    actor = actor_of(principal, "street")
    await service.verify_case(uow, case_id, passed=body.passed, note=body.note, actor=actor)


@router.post("/cases/{case_id}/close", status_code=204, summary="结案 with a typed outcome")
async def close(case_id: uuid.UUID, body: Closure, uow: Uow, principal: StreetOrOffice) -> None:
    actor = actor_of(principal, "street")
    closing = CloseCase(case_id, body.outcome, body.responsible_body, body.note, actor, datetime.now(UTC))
    await service.close_case(uow, closing)


@router.post("/cases/{case_id}/rate", status_code=204, summary="The reporter's satisfaction (满意度)")
async def rate(case_id: uuid.UUID, body: Rating, uow: Uow, principal: Reporter) -> None:
    await service.rate_case(uow, case_id, score=body.score, comment=body.comment, actor=actor_of(principal))


@router.post("/cases/{case_id}/arbitrate", summary="区级仲裁: the office names the responsible body")
async def arbitrate(
    case_id: uuid.UUID, body: Arbitration, uow: Uow, principal: Office, ack_within_h: AckWithin
) -> dict[str, uuid.UUID]:
    actor, now = actor_of(principal), datetime.now(UTC)
    task_id = await service.arbitrate_case(
        uow, ArbitrateCase(case_id, body.assignee_code, body.reason, actor, now, ack_within_h)
    )
    return {"task_id": task_id}


@router.post("/cases/{case_id}/whistle", status_code=201, summary="街乡吹哨: summon departments to report in")
async def whistle(case_id: uuid.UUID, body: Whistle, uow: Uow, principal: StreetOrOffice) -> dict[str, uuid.UUID]:
    within = timedelta(minutes=body.report_within_minutes)
    actor, now = actor_of(principal, "street"), datetime.now(UTC)
    blowing = BlowWhistle(case_id, body.reason, tuple(body.departments), within, body.description, actor, now)
    whistle_id = await service.blow_whistle(uow, blowing)
    return {"whistle_id": whistle_id}


@router.get("/stats", summary="Counts by stage (环节), overdue tasks, late reports and returns")
async def stats(uow: Uow, _: OfficeOrOperator) -> dict[str, object]:
    return asdict(await service.counts(uow))


@router.get("/routing/{item_code}", summary="What dispatch routes an item by today: the catalogue version in force")
async def get_routing(item_code: str, uow: Uow, _: Staff) -> RoutingPublic:
    found = await service.routing_of(uow, item_code, datetime.now(UTC))
    entry, later = found.entry, found.upcoming
    limit = entry.time_limit.model_dump(mode="json") if entry.time_limit else None
    return RoutingPublic(
        **{**asdict(entry), "time_limit": limit},
        upcoming_version=later.version if later else None,
        upcoming_from=later.effective_from if later else None,
    )


@router.get("/calendar", summary="Where each year's working days come from; fallback years carry a warning")
async def calendar(
    uow: Uow, _: OfficeOrOperator, first: Annotated[int | None, Query(ge=2004, le=2100)] = None, years: int = 3
) -> list[YearPublic]:
    start = first or datetime.now(UTC).year
    statuses = await service.calendar_status(uow, range(start, start + min(max(years, 1), 20)))
    return [YearPublic(year=s.year, source=s.source, warning=s.warning) for s in statuses]


@router.put("/calendar/{year}", summary="Load the State Council's holiday notice for a year")
async def load_calendar(
    year: Annotated[int, Path(ge=2004, le=2100)], body: HolidayNotice, uow: Uow, principal: Office
) -> YearPublic:
    status = await service.load_notice(
        uow, year, holidays=body.holidays, workdays=body.workdays, notice=body.notice, loaded_by=principal.subject
    )
    return YearPublic(year=status.year, source=status.source, warning=status.warning)


@router.post("/ops/overdue-sweep", summary="Run the overdue sweep now (it also runs periodically)")
async def sweep(uow: Uow, _: OfficeOrOperator) -> dict[str, int]:
    return {"flagged": await service.sweep_overdue(uow, datetime.now(UTC))}
