"""One valid instance of each admission event (职责准入)."""

from __future__ import annotations

import uuid
from datetime import date

from contracts import IntegrationEvent
from contracts.events.admission import (
    ApplicationApproved,
    ApplicationClosed,
    ApplicationKind,
    ApplicationRejected,
    ApplicationSubmitted,
    ConsultationClosed,
    ReviewEscalated,
    ReviewRecorded,
    StageOpened,
    StreetAnswered,
    Verdict,
)
from tests.contracts.examples_catalog import DEFINITION

APPLICATION = uuid.UUID("6f0c8b4e-2d3a-4c1b-9e7f-1a2b3c4d5e6f")
ADMISSION_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    ApplicationSubmitted: ApplicationSubmitted(
        application_id=APPLICATION,
        department_code="jsx",
        kind=ApplicationKind.ADD,
        item_code="GX-200",
        item_name="计生协会基层工作",
        duplicate_of_existing=False,
        street_codes=("wulong", "hubin"),
    ),
    StageOpened: StageOpened(
        application_id=APPLICATION, stage="review", kind="review", parties=("sfj", "ysj"), due_on=date(2026, 6, 15)
    ),
    ReviewRecorded: ReviewRecorded(
        application_id=APPLICATION, aspect="legality", reviewer="sfj", verdict=Verdict.AGREE, opinion="依据充分"
    ),
    ReviewEscalated: ReviewEscalated(
        application_id=APPLICATION, aspect="reasonableness", reviewer="ysj", due_on=date(2026, 6, 15)
    ),
    StreetAnswered: StreetAnswered(
        application_id=APPLICATION, street_code="wulong", verdict=Verdict.OBJECT, opinion="街道无相应人员和经费"
    ),
    ConsultationClosed: ConsultationClosed(
        application_id=APPLICATION, agreed=("jiangan",), objected=("wulong", "hubin"), silent=("caihong",)
    ),
    ApplicationApproved: ApplicationApproved(
        application_id=APPLICATION,
        kind=ApplicationKind.ADD,
        item_code="GX-001",
        item=DEFINITION,
        reason="常委会审定",
        minutes_ref="区委常委会〔2026〕12号",
    ),
    ApplicationRejected: ApplicationRejected(
        application_id=APPLICATION,
        item_code="GX-200",
        reason="街道不具备承接条件",
        minutes_ref="区委常委会〔2026〕11号",
    ),
    ApplicationClosed: ApplicationClosed(application_id=APPLICATION, outcome="withdrawn", reason="另行申请"),
}
