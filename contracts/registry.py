"""Every integration event of the platform, in one place; snapshots and AsyncAPI are built from it."""

from __future__ import annotations

from contracts.base import IntegrationEvent
from contracts.events.admission import ADMISSION_EVENTS
from contracts.events.catalog import (
    AdjustmentOpened,
    AdjustmentResolved,
    EmergencyRecorded,
    GridMapped,
    ItemPublished,
    ItemRetired,
    LawChanged,
    StreetListPublished,
)
from contracts.events.dispatch import (
    CaseAccepted,
    CaseClosed,
    CaseNotAccepted,
    CaseRated,
    CaseReopened,
    CaseTriaged,
    CaseVerified,
    DeferralRejected,
    DeferralRequested,
    TaskAcknowledged,
    TaskAssigned,
    TaskCompleted,
    TaskDeferred,
    TaskOverdue,
    TaskReturned,
    WhistleBlown,
)
from contracts.events.enforcement import (
    CaseReferred,
    DrawCommitted,
    DrawRedrawn,
    DrawRevealed,
    MatterRegistered,
    ResultPublished,
    VisitScheduled,
)
from contracts.events.evaluation import AccountabilityChanged, AccountabilityOpened, LetterIssued, ScorecardPublished
from contracts.events.intake import CaseReported

CONTRACTS: tuple[type[IntegrationEvent], ...] = (
    CaseReported,
    ItemPublished,
    ItemRetired,
    GridMapped,
    StreetListPublished,
    LawChanged,
    AdjustmentOpened,
    AdjustmentResolved,
    EmergencyRecorded,
    *ADMISSION_EVENTS,
    CaseAccepted,
    CaseNotAccepted,
    CaseTriaged,
    CaseReopened,
    TaskAssigned,
    TaskAcknowledged,
    TaskReturned,
    TaskCompleted,
    TaskDeferred,
    DeferralRequested,
    DeferralRejected,
    TaskOverdue,
    CaseVerified,
    CaseClosed,
    CaseRated,
    WhistleBlown,
    ScorecardPublished,
    AccountabilityOpened,
    LetterIssued,
    AccountabilityChanged,
    MatterRegistered,
    DrawCommitted,
    DrawRevealed,
    DrawRedrawn,
    VisitScheduled,
    ResultPublished,
    CaseReferred,
)


_BY_TYPE = {contract.TYPE: contract for contract in CONTRACTS}


def contract_for_subject(subject: str) -> type[IntegrationEvent]:
    """The contract a concrete subject carries (routing tokens allowed); asked per consumed message."""
    if (contract := _BY_TYPE.get(subject)) is not None:
        return contract
    routed = _BY_TYPE.get(subject.rsplit(".", 1)[0])
    if routed is not None and routed.ROUTED:
        return routed
    raise LookupError(f"no contract for subject {subject!r}")
