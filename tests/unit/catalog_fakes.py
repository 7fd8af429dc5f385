"""In-memory catalogue repositories for use-case tests: the few rules a store keeps (latest state wins, retired
items leave the catalogue in force, the latest published revision of a street) and nothing else."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from services.catalog.domain.door import Approval
from services.catalog.domain.items import GridSpec, ItemSpec, ItemState, Version, citations
from services.catalog.domain.laws import Adjustment, AdjustmentStatus, ClauseEdit, LawRevision
from services.catalog.domain.library import Clause, ClauseSpec, ItemCitation, Law, LawSpec, LawStatus, OrgSpec
from services.catalog.domain.streetlists import PublishedRevision, Status, StreetList
from services.catalog.store.door import DoorStore
from services.catalog.store.items import CatalogStore
from services.catalog.store.laws import LawStore
from services.catalog.store.library import LibraryStore
from services.catalog.store.streetlists import StreetListStore
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FakeCatalogStore:
    def __init__(self) -> None:
        self.versions: list[Version] = []
        self.states: dict[str, list[ItemState]] = {}
        self.grids: dict[str, GridSpec] = {}

    async def next_version(self) -> int:
        return len(self.versions) + 1

    async def add_version(self, version: int, *, actor: str, note: str, diff: dict[str, list[str]]) -> datetime:
        self.versions.append(Version(version, NOW, actor, note, diff))
        return NOW

    async def add_states(self, version: int, valid_from: datetime, items: tuple[ItemSpec, ...]) -> None:
        for item in items:
            self.states.setdefault(item.item_code, []).append(ItemState(version, valid_from, item, False))

    async def retire(self, version: int, valid_from: datetime, item: ItemSpec) -> None:
        self.states[item.item_code].append(ItemState(version, valid_from, item, True))

    async def items_in_force(self, codes: list[str] | None = None, *, as_of: date | None = None) -> dict[str, ItemSpec]:
        latest = {code: history[-1] for code, history in self.states.items() if codes is None or code in codes}
        return {code: state.item for code, state in latest.items() if not state.retired}

    async def grid_map(self, codes: list[str]) -> dict[str, GridSpec]:
        return {code: grid for code, grid in self.grids.items() if code in codes}

    async def map_grid(self, grid: GridSpec, version: int) -> None:
        self.grids[grid.grid_code] = grid

    async def latest_version(self) -> int:
        return len(self.versions)

    async def version_list(self, limit: int, *, marked: str | None = None) -> list[Version]:
        return [v for v in self.versions[::-1] if marked is None or marked in v.diff][:limit]

    async def all_grids(self) -> list[GridSpec]:
        return [grid for _, grid in sorted(self.grids.items())]


class FakeDoorStore:
    def __init__(self, catalog: FakeCatalogStore) -> None:
        self.catalog = catalog
        self.approvals: dict[uuid.UUID, Approval] = {}

    async def remember(self, application_id: uuid.UUID, item_code: str, item: ItemSpec | None) -> None:
        self.approvals.setdefault(application_id, Approval(application_id, item_code, NOW, item))

    async def approval(self, application_id: uuid.UUID) -> Approval | None:
        return self.approvals.get(application_id)


class FakeLibraryStore:
    def __init__(self, catalog: FakeCatalogStore) -> None:
        self.catalog = catalog
        self.laws: dict[str, Law] = {}
        self.clauses: dict[tuple[str, str, str], Clause] = {}
        self.organisations: dict[str, OrgSpec] = {}

    async def known_laws(self, law_ids: set[str]) -> list[str]:
        return [law_id for law_id in self.laws if law_id in law_ids]

    async def clause_texts(self, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        return {key: clause.text for key, clause in self.clauses.items() if key in keys}

    async def clause_status(self, law_ids: set[str]) -> dict[tuple[str, str, str], bool]:
        return {key: clause.in_force for key, clause in self.clauses.items() if key[0] in law_ids}

    async def organisation_codes(self) -> set[str]:
        return set(self.organisations)

    async def add_laws(self, specs: Sequence[LawSpec]) -> None:
        for s in specs:
            self.laws.setdefault(s.law_id, Law(s.law_id, s.title, s.kind, s.issuer, s.status, s.effective_from, 1))

    async def add_clauses(self, specs: Sequence[ClauseSpec]) -> None:
        for s in specs:
            self.clauses.setdefault(s.key, Clause(s.law_id, s.article, s.paragraph, s.text, True, 1))

    async def upsert_organisations(self, specs: Sequence[OrgSpec]) -> None:
        self.organisations.update((s.code, s) for s in specs)

    async def law(self, law_id: str) -> Law | None:
        return self.laws.get(law_id)

    async def law_clauses(self, law_id: str) -> list[Clause]:
        return sorted((c for c in self.clauses.values() if c.law_id == law_id), key=lambda c: (c.article, c.paragraph))

    async def citations_of_law(self, law_id: str) -> list[ItemCitation]:
        in_force = await self.catalog.items_in_force()
        return [
            ItemCitation(item=item, citation=cited)
            for item in in_force.values()
            for cited in sorted(citations(item))
            if cited[1] == law_id
        ]


class FakeLawStore:
    def __init__(self, library: FakeLibraryStore, streets: FakeStreetListStore) -> None:
        self.library, self.streets = library, streets
        self.revisions_recorded: list[LawRevision] = []
        self.adjustments: dict[uuid.UUID, Adjustment] = {}

    async def lock_law(self, law_id: str) -> Law | None:
        return self.library.laws.get(law_id)

    async def clauses_in_force(self, law_id: str) -> dict[tuple[str, str, str], str]:
        clauses = self.library.clauses.items()
        return {key: c.text for key, c in clauses if c.law_id == law_id and c.in_force}

    async def apply(self, edits: Sequence[ClauseEdit], *, revision: int) -> None:
        clauses = self.library.clauses
        for edit in edits:
            if edit.old_key is not None and edit.old_key != edit.new_key:
                clauses[edit.old_key] = dataclasses.replace(clauses[edit.old_key], in_force=False, revision=revision)
            if edit.new_key is not None and edit.new_text is not None:
                clauses[edit.new_key] = Clause(*edit.new_key, text=edit.new_text, in_force=True, revision=revision)

    async def record_revision(self, entry: LawRevision, *, status: LawStatus) -> None:
        law = self.library.laws[entry.law_id]
        self.library.laws[entry.law_id] = dataclasses.replace(law, revision=entry.revision, status=status)
        self.revisions_recorded.append(dataclasses.replace(entry, recorded_at=NOW))

    async def revisions(self, law_id: str) -> list[LawRevision]:
        return [entry for entry in self.revisions_recorded if entry.law_id == law_id]

    async def published_lists_holding(self, item_codes: set[str]) -> dict[str, list[str]]:
        holding: dict[str, list[str]] = {}
        for published in await self.streets.published():
            for code in sorted(set(published.item_codes) & item_codes):
                holding.setdefault(code, []).append(published.street_code)
        return holding

    async def open_adjustment(self, adjustment: Adjustment) -> None:
        self.adjustments[adjustment.id] = dataclasses.replace(adjustment, opened_at=NOW)

    async def adjustment(self, adjustment_id: uuid.UUID, *, lock: bool = False) -> Adjustment | None:
        return self.adjustments.get(adjustment_id)

    async def resolve(self, adjustment_id: uuid.UUID, *, version: int | None, resolution: str) -> None:
        adjustment = self.adjustments[adjustment_id]
        self.adjustments[adjustment_id] = dataclasses.replace(
            adjustment, status=AdjustmentStatus.RESOLVED, resolved_version=version, resolution=resolution
        )

    async def adjustment_list(self, *, status: str | None, law_id: str | None, limit: int) -> list[Adjustment]:
        found = [a for a in self.adjustments.values() if status in (None, a.status) and law_id in (None, a.law_id)]
        return found[:limit]


class FakeStreetListStore:
    def __init__(self, catalog: FakeCatalogStore, library: FakeLibraryStore) -> None:
        self.catalog, self.library = catalog, library
        self.revisions: dict[tuple[str, int], StreetList] = {}
        self.published_at: dict[tuple[str, int], datetime] = {}
        self.locked: list[str] = []

    async def lock(self, street_code: str) -> None:
        self.locked.append(street_code)

    async def latest(self, street_code: str) -> StreetList | None:
        mine = [r for (street, _), r in sorted(self.revisions.items()) if street == street_code]
        return mine[-1] if mine else None

    async def save(self, street_list: StreetList, *, actor: str) -> None:
        key = (street_list.street_code, street_list.revision)
        self.revisions[key] = street_list
        if street_list.status is Status.PUBLISHED:
            self.published_at[key] = NOW

    async def in_status(self, status: Status) -> list[StreetList]:
        latest = {street: r for (street, _), r in sorted(self.revisions.items())}
        return [r for r in latest.values() if r.status is status]

    async def published(self, street_code: str | None = None, *, as_of: date | None = None) -> list[PublishedRevision]:
        latest = {key[0]: self.revisions[key] for key in sorted(self.published_at)}
        return [
            _public(r, self.published_at[(s, r.revision)])
            for s, r in sorted(latest.items())
            if street_code in (None, s)
        ]

    async def known_item_codes(self, codes: Iterable[str]) -> set[str]:
        return set(codes) & set(self.catalog.states)

    async def catalogue_version(self) -> int | None:
        return len(self.catalog.versions) or None

    async def organisation_names(self, codes: Iterable[str]) -> dict[str, str]:
        return {code: org.name for code in codes if (org := self.library.organisations.get(code))}


def spec(
    code: str, *, law_title: str = "市容条例", article: str = "第五条", paragraph: str | None = None, **changes: Any
) -> ItemSpec:
    """A street-and-department item (门前三包) citing one clause of L1; ``changes`` replace whole fields."""
    fields = {
        "item_code": code,
        "name": "门前三包",
        "list_kind": "common",
        "domain": "城市管理",
        "responsible_body": "cgj",
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [{"law_id": "L1", "law_title": law_title, "article": article, "paragraph": paragraph}],
    }
    return ItemSpec.model_validate({**fields, **changes})


def _public(street_list: StreetList, published_at: datetime) -> PublishedRevision:
    assert street_list.filing_no is not None
    assert street_list.catalogue_version is not None
    return PublishedRevision(
        street_code=street_list.street_code,
        revision=street_list.revision,
        filing_no=street_list.filing_no,
        catalogue_version=street_list.catalogue_version,
        published_at=published_at,
        item_codes=street_list.item_codes,
    )


@dataclasses.dataclass
class Catalogue:
    """One in-memory catalogue: its four repositories share their data, as the tables of one schema do."""

    items: FakeCatalogStore = dataclasses.field(default_factory=FakeCatalogStore)

    def __post_init__(self) -> None:
        self.library = FakeLibraryStore(self.items)
        self.streets = FakeStreetListStore(self.items, self.library)
        self.laws = FakeLawStore(self.library, self.streets)
        self.door = FakeDoorStore(self.items)

    def uow(self, *, actor: str = "tester") -> FakeUnitOfWork:
        repositories: dict[type[Any], Any] = {
            CatalogStore: self.items,
            LibraryStore: self.library,
            LawStore: self.laws,
            StreetListStore: self.streets,
            DoorStore: self.door,
        }
        return FakeUnitOfWork(repositories, actor=actor)
