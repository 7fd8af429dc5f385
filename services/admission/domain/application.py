"""The application (准入申请): what a department asks for, and the commands that move it. Pure: no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import MAX_TASKS
from contracts.events.admission import ApplicationKind, Verdict
from contracts.events.catalog import ItemDefinition
from services.runtime.errors import Conflict, Rejected


class Status(StrEnum):
    """申请状态."""

    IN_REVIEW = "in_review"  # 审查、征求意见中
    AWAITING_DECISION = "awaiting_decision"  # 待常委会审定
    APPROVED = "approved"  # 通过
    REJECTED = "rejected"  # 不予通过
    RETURNED = "returned"  # 退回修改
    WITHDRAWN = "withdrawn"  # 撤回
    REVISED = "revised"  # 退回后已修改重报: a revision carries it on

    @property
    def open(self) -> bool:
        return self in (Status.IN_REVIEW, Status.AWAITING_DECISION)


class Resources(BaseModel):
    """人财物: the staff, funds and materials that go with the duty (费随事转)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff: int = Field(default=0, ge=0, le=100_000, description="人: posts or people that go with the duty")
    funds_yuan: int = Field(default=0, ge=0, le=10**12, description="财: yearly funds, in yuan")
    materials: tuple[str, ...] = Field(
        default=(), max_length=MAX_TASKS, description="物: equipment, premises, systems that go with it"
    )

    @property
    def none(self) -> bool:
        return not (self.staff or self.funds_yuan or self.materials)


@dataclass(frozen=True)
class Finding:
    """One named result of the automatic checks (自动审查); ``hard`` refuses, otherwise it is a flag."""

    code: str
    field: str
    detail: str
    hard: bool = False


@dataclass(frozen=True)
class SubmitApplication:
    """申请: a department asks to add, change or remove a duty on streets."""

    department_code: str
    kind: ApplicationKind
    item_code: str
    proposal: ItemDefinition | None  # the item as it would be; None for a removal
    street_codes: tuple[str, ...]
    resources: Resources
    reason: str
    revises: uuid.UUID | None = None  # the returned application this one revises

    @property
    def item_name(self) -> str:
        return self.proposal.name if self.proposal is not None else self.item_code


@dataclass(frozen=True)
class Application:
    """An application as kept: its proposal, what the checks found, and where it stands."""

    id: uuid.UUID
    department_code: str
    kind: ApplicationKind
    item_code: str
    item_name: str
    proposal: ItemDefinition | None
    street_codes: tuple[str, ...]
    resources: Resources
    reason: str
    diff: dict[str, Any]
    findings: tuple[Finding, ...]
    status: Status
    submitted_by: str
    submitted_at: datetime
    decision: dict[str, Any] | None = None
    revises: uuid.UUID | None = None

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.code for f in self.findings if not f.hard))


class Decision(StrEnum):
    """常委会决定."""

    APPROVE = "approve"  # 审定通过
    REJECT = "reject"  # 不予通过
    RETURN = "return"  # 退回修改


@dataclass(frozen=True)
class Decide:
    decision: Decision
    minutes_ref: str  # 会议纪要编号
    reason: str


@dataclass(frozen=True)
class Answer:
    """A reviewer's verdict or a street's answer, with attachments (附件) named by reference."""

    verdict: Verdict
    opinion: str
    attachments: tuple[str, ...] = field(default=())


def check_revision(returned: Application, revision: SubmitApplication) -> None:
    """修改重报: a revision is of a returned application, for the same department, item and kind."""
    if returned.status is not Status.RETURNED:
        raise Conflict(f"the application is {returned.status}: only a returned one is revised", field="status")
    for name in ("department_code", "item_code", "kind"):
        if getattr(returned, name) != getattr(revision, name):
            raise Rejected(f"a revision keeps the returned application's {name}", field=name)


def changes(current: ItemDefinition | None, proposal: ItemDefinition | None) -> dict[str, Any]:
    """变更对照: what a change or removal does to the version in force, field by field and street task by task."""
    if current is None:
        return {}
    if proposal is None:
        return {"removed": current.model_dump(mode="json")}
    before, after = current.model_dump(mode="json"), proposal.model_dump(mode="json")
    fields = {key: {"before": before[key], "after": value} for key, value in after.items() if before[key] != value}
    old, new = _street_tasks(current), _street_tasks(proposal)
    fields.pop("tasks", None)
    return {"fields": fields, "street_tasks_added": sorted(new - old), "street_tasks_dropped": sorted(old - new)}


def _street_tasks(item: ItemDefinition) -> set[str]:
    return {task.text for task in item.tasks if task.party == "street"}
