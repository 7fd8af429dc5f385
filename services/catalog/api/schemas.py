"""Response bodies of the catalogue's routes, declared apart from its tables and built from the domain's records
(``model_validate(record)``): a column added to a table does not reach the API unless declared here."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.catalog import LawChangeKind
from services.catalog.domain.library import LawKind, LawStatus


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VersionRecord(Record):
    """清单版本."""

    version: int
    created_at: datetime
    actor: str = Field(description="Who made the version")
    note: str = Field(description="Why")
    diff: dict[str, list[str]] = Field(
        description="Item codes added, changed or retired; grids mapped; the approved application it cites "
        "(application), or the emergency reason (emergency) and the items it widened (widened)"
    )


class LawPublic(Record):
    law_id: str
    title: str
    kind: LawKind
    issuer: str
    status: LawStatus
    effective_from: date
    revision: int = Field(description="The document's current revision")


class ClausePublic(Record):
    law_id: str
    article: str
    paragraph: str = Field(description="Empty for a whole article")
    text: str
    in_force: bool
    revision: int = Field(description="The document's revision that last set this clause")


class ClauseEditPublic(BaseModel):
    old: list[str] | None = Field(description="[law_id, article, paragraph] before; null for a new clause")
    new: list[str] | None = Field(description="[law_id, article, paragraph] after; null when it was struck out")
    old_text: str | None
    new_text: str | None


class RevisionDetailPublic(BaseModel):
    clauses: list[ClauseEditPublic]


class RevisionPublic(Record):
    law_id: str
    revision: int
    change: LawChangeKind
    effective_on: date
    note: str
    detail: RevisionDetailPublic
    recorded_at: datetime


class LawViewPublic(Record):
    law: LawPublic
    clauses: list[ClausePublic] = Field(description="Every clause, in force or not")
    revisions: list[RevisionPublic] = Field(description="Its changes (立改废), oldest first")


class CitingItemPublic(Record):
    item_code: str
    name: str
    citations: list[tuple[int, str, str, str]] = Field(description="[task_no (0: the item itself), law, article, para]")
    tasks: list[str] = Field(description="Texts of the tasks citing it")


class ImpactPublic(Record):
    law: LawPublic
    items: list[CitingItemPublic]
    street_lists: dict[str, list[str]] = Field(description="Item code → streets whose published list holds it")


class ClauseDiffPublic(BaseModel):
    task_no: int = Field(description="0: the item's own basis; n: its n-th task")
    article: str
    paragraph: str
    old: list[str] | None
    new: list[str] | None
    old_text: str | None
    new_text: str | None


class AdjustmentPublic(Record):
    """一对一调整."""

    id: uuid.UUID
    law_id: str
    law_revision: int
    item_code: str
    change: LawChangeKind
    clause_diff: list[ClauseDiffPublic]
    street_codes: list[str]
    status: str = Field(description="open or resolved")
    opened_at: datetime
    resolved_at: datetime | None
    resolved_version: int | None
    resolution: str | None
