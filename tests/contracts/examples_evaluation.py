"""Example payloads of evaluation's accountability contracts (问责), for the contract tests."""

from __future__ import annotations

from datetime import date

from contracts.base import IntegrationEvent
from contracts.events.evaluation import AccountabilityChanged, AccountabilityOpened, LetterIssued
from tests.contracts.examples_dispatch import CASE, NOW

EVALUATION_EXAMPLES: dict[type[IntegrationEvent], IntegrationEvent] = {
    AccountabilityOpened: AccountabilityOpened(
        finding_id=CASE,
        org_code="zjj",
        situation="repeated_overdue",
        proposed_method="notification_letter",
        occurrences=7,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        source="detector",
    ),
    LetterIssued: LetterIssued(
        finding_id=CASE,
        org_code="zjj",
        situation="repeated_overdue",
        method="notification_letter",
        respond_by=NOW,
        letter_path=f"/findings/{CASE}/letter.html",
    ),
    AccountabilityChanged: AccountabilityChanged(
        finding_id=CASE, org_code="zjj", status="responded", reason="已落实整改措施"
    ),
}
