"""What admission knows of the catalogue (清单), projected from catalog's events; never read from its tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from contracts.events.catalog import ClauseRef, ItemDefinition

ClauseKey = tuple[str, str, str]
"""(law id, article, paragraph or '')."""


def clause_key(clause: ClauseRef) -> ClauseKey:
    return (clause.law_id, clause.article, clause.paragraph or "")


@dataclass(frozen=True)
class KnownItem:
    """A catalogue item as last published or retired; ``definition`` is None while only a retirement was seen."""

    item_code: str
    name: str | None
    version: int
    retired: bool = False
    definition: ItemDefinition | None = None


@dataclass(frozen=True)
class Library:
    """依据库 as admission knows it: the clauses it has seen cited or enacted, and the laws repealed."""

    clauses: frozenset[ClauseKey] = frozenset()
    repealed: Mapping[str, date] = field(default_factory=dict)

    def holds(self, clause: ClauseRef) -> bool:
        key = clause_key(clause)
        return key in self.clauses or (key[0], key[1], "") in self.clauses

    def in_force(self, clause: ClauseRef, on: date) -> bool:
        repealed_on = self.repealed.get(clause.law_id)
        return repealed_on is None or repealed_on > on


@dataclass(frozen=True)
class CatalogueFacts:
    """Everything the automatic checks read: the items (live and retired) and the basis library."""

    items: Mapping[str, KnownItem]
    library: Library

    def live(self, item_code: str) -> KnownItem | None:
        item = self.items.get(item_code)
        return item if item is not None and not item.retired else None
