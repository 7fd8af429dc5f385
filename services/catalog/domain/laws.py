"""立改废 and 一对一调整: what a change to a legal document does to the clauses items cite. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.events.catalog import LawChangeKind
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
