"""立改废 and 一对一调整: what a change to a legal document does to the clauses items cite. Pure: no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator
from typing_extensions import TypedDict

from contracts.events.catalog import LawChangeKind
from services.catalog.domain.items import Citation
from services.catalog.domain.library import LawSpec
from services.runtime.errors import Rejected

ClauseKey = tuple[str, str, str]


class ClauseChange(BaseModel):
    """One clause a change touches: its new text (amended, enacted) or its new number (renumbered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    article: str = Field(min_length=1, max_length=50, description="Article as numbered before the change")
    paragraph: str = Field(default="", max_length=50, description="Paragraph; empty for the whole article")
    text: str | None = Field(default=None, min_length=1, max_length=10000, description="New text")
    new_article: str | None = Field(default=None, min_length=1, max_length=50, description="Renumbered to")
    new_paragraph: str | None = Field(default=None, max_length=50, description="Renumbered paragraph")


class LawChange(BaseModel):
    """A recorded change of one legal document."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    change: LawChangeKind = Field(description="enacted, amended, repealed or renumbered")
    effective_on: date = Field(description="When the change takes effect")
    note: str = Field(min_length=1, max_length=1000, description="The amending act or repeal decision")
    law: LawSpec | None = Field(default=None, description="The new document, for an enactment only")
    clauses: list[ClauseChange] = Field(default=[], max_length=2000)

    @model_validator(mode="after")
    def _fits_the_kind(self) -> LawChange:
        kind = self.change
        if (kind is LawChangeKind.ENACTED) != (self.law is not None):
            raise ValueError("an enactment carries the new law, and only an enactment does")
        if kind in (LawChangeKind.AMENDED, LawChangeKind.ENACTED, LawChangeKind.RENUMBERED) and not self.clauses:
            raise ValueError(f"a change of kind {kind} names its clauses")
        for clause in self.clauses:
            if kind in (LawChangeKind.AMENDED, LawChangeKind.ENACTED) and clause.text is None:
                raise ValueError(f"clause {clause.article}{clause.paragraph}: the new text is missing")
            if kind is LawChangeKind.RENUMBERED and clause.new_article is None:
                raise ValueError(f"clause {clause.article}{clause.paragraph}: new_article is missing")
        return self


@dataclass(frozen=True)
class ClauseEdit:
    """What happens to one clause row: its old and new key and text (``None`` where it has none)."""

    old_key: ClauseKey | None
    new_key: ClauseKey | None
    old_text: str | None
    new_text: str | None


def plan_change(law_id: str, change: LawChange, current: dict[ClauseKey, str]) -> list[ClauseEdit]:
    """The clause edits a change makes, checked against the clauses in force (``current``: key → text)."""
    if change.change is LawChangeKind.REPEALED:
        return [ClauseEdit(key, None, text, None) for key, text in sorted(current.items())]
    edits = []
    for index, clause in enumerate(change.clauses):
        key = (law_id, clause.article, clause.paragraph)
        old = current.get(key)
        if change.change is LawChangeKind.RENUMBERED:
            if old is None:
                raise Rejected(f"{clause.article}{clause.paragraph} is not a clause in force", field=f"clauses.{index}")
            new_key = (
                law_id,
                clause.new_article or "",
                clause.paragraph if clause.new_paragraph is None else clause.new_paragraph,
            )
            edits.append(ClauseEdit(key, new_key, old, old))
        else:
            edits.append(ClauseEdit(key if old is not None else None, key, old, clause.text))
    return edits


def changed_keys(edits: list[ClauseEdit]) -> set[ClauseKey]:
    """Clauses whose citations must be reviewed: any clause that lost its text or number."""
    return {e.old_key for e in edits if e.old_key is not None and (e.new_key != e.old_key or e.new_text != e.old_text)}


class EditRecord(TypedDict):
    """A clause edit as the library records it (JSON): old and new key as lists, old and new text."""

    old: list[str] | None
    new: list[str] | None
    old_text: str | None
    new_text: str | None


class ClauseDiff(TypedDict):
    """One citation an adjustment is about (JSON): the citing task and clause, and what became of the clause."""

    task_no: int
    article: str
    paragraph: str
    old: list[str] | None
    new: list[str] | None
    old_text: str | None
    new_text: str | None


class RevisionDetail(TypedDict):
    clauses: list[EditRecord]


def edit_record(edit: ClauseEdit) -> EditRecord:
    return {
        "old": list(edit.old_key) if edit.old_key else None,
        "new": list(edit.new_key) if edit.new_key else None,
        "old_text": edit.old_text,
        "new_text": edit.new_text,
    }


def clause_diff(cited: set[Citation], edits: list[ClauseEdit]) -> list[ClauseDiff]:
    """What an adjustment shows for each citation of a changed clause; an article cited whole shows the first
    changed paragraph of it."""
    by_key = {e.old_key: e for e in edits if e.old_key is not None}
    diffs: list[ClauseDiff] = []
    for task_no, law_id, article, paragraph in sorted(cited):
        edit = by_key.get((law_id, article, paragraph)) or _article_edit(by_key, law_id, article)
        diffs.append({"task_no": task_no, "article": article, "paragraph": paragraph, **edit_record(edit)})
    return diffs


def _article_edit(by_key: dict[ClauseKey, ClauseEdit], law_id: str, article: str) -> ClauseEdit:
    return next(e for k, e in sorted(by_key.items()) if k[0] == law_id and k[1] == article)


def touched_clauses(edits: list[ClauseEdit]) -> tuple[str, ...]:
    """The clauses a change touched, as 第三条/第二款 (or the article alone), for the LawChanged event."""
    return tuple(sorted({f"{k[1]}/{k[2]}" if k[2] else k[1] for e in edits for k in (e.old_key or e.new_key,) if k}))


@dataclass(frozen=True)
class LawRevision:
    """One recorded change (立改废) of a legal document; ``recorded_at`` is stamped when it is stored."""

    law_id: str
    revision: int
    change: LawChangeKind
    effective_on: date
    note: str
    detail: RevisionDetail
    recorded_at: datetime | None = None


class AdjustmentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Adjustment:
    """一对一调整: one item to review after a change of a clause it cites."""

    id: uuid.UUID
    law_id: str
    law_revision: int
    item_code: str
    change: LawChangeKind
    clause_diff: tuple[ClauseDiff, ...]
    street_codes: tuple[str, ...]
    status: AdjustmentStatus = AdjustmentStatus.OPEN
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_version: int | None = None
    resolution: str | None = None
