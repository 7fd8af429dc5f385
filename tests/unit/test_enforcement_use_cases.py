"""Enforcement use cases against an in-memory repository: the rules and the one transaction each makes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from contracts import TimeLimit
from contracts.base import TimeUnit
from contracts.events.catalog import ItemPublished, ItemRetired, ListKind
from contracts.events.enforcement import MatterRegistered
from services.enforcement import service
from services.enforcement.domain import PowerListEntry, RegisterMatter
from services.enforcement.store import EnforcementStore
from services.runtime.errors import Conflict, Rejected
from tests.fakes import FakeUnitOfWork, Row


class FakeEnforcementStore:
    def __init__(self) -> None:
        self.entries: dict[str, PowerListEntry] = {}
        self.matters: dict[tuple[str, str], Row] = {}

    async def upsert_entry(self, entry: PowerListEntry) -> None:
        known = self.entries.get(entry.item_code)
        if known is None or known.version <= entry.version:
            name = entry.name if entry.name is not None or known is None else known.name
            self.entries[entry.item_code] = PowerListEntry(entry.item_code, name, entry.version, entry.listed)

    async def entry(self, item_code: str) -> PowerListEntry | None:
        return self.entries.get(item_code)

    async def add_matter(self, **values: Any) -> Row | None:
        key = (values["item_code"], values["department_code"])
        if key in self.matters:
            return None
        self.matters[key] = Row(values)
        return self.matters[key]

    async def matters_of(self, department_code: str | None, *, limit: int) -> Sequence[Row]:
        return [m for m in self.matters.values() if department_code in (None, m.department_code)][:limit]


def published(code: str, kind: ListKind, version: int) -> ItemPublished:
    return ItemPublished(
        item_code=code,
        name="占道经营处罚",
        list_kind=kind,
        domain="城市管理",
        responsible_body="cgj",
        time_limit=TimeLimit(value=5, unit=TimeUnit.WORKING_DAY),
        version=version,
        effective_from=date(2026, 1, 1),
    )


@pytest.fixture
def store() -> FakeEnforcementStore:
    return FakeEnforcementStore()


def work(store: FakeEnforcementStore) -> FakeUnitOfWork:
    return FakeUnitOfWork({EnforcementStore: store}, actor="区综合执法局")


async def test_a_matter_on_a_listed_power_is_registered_audited_and_announced_in_one_commit(
    store: FakeEnforcementStore,
) -> None:
    await service.project_item(work(store), published("QL-001", ListKind.POWER, 1))
    uow = work(store)
    row = await service.register_matter(
        uow, RegisterMatter(item_code="QL-001", name="占道经营检查", department_code="cgj")
    )
    assert row.registered_by == "区综合执法局"
    assert [type(event) for event, _, _ in uow.emitted] == [MatterRegistered]
    assert uow.audited[0]["action"] == "matter.registered"
    assert uow.commits == 1


async def test_matters_rest_only_on_listed_powers_once_per_department(store: FakeEnforcementStore) -> None:
    await service.project_item(work(store), published("GX-001", ListKind.COMMON, 1))
    with pytest.raises(Rejected, match="not on the power list") as refused:
        await service.register_matter(work(store), RegisterMatter("GX-001", "检查", "cgj"))
    assert refused.value.field == "item_code"

    await service.project_item(work(store), published("QL-002", ListKind.POWER, 1))
    await service.register_matter(work(store), RegisterMatter("QL-002", "检查", "cgj"))
    uow = work(store)
    with pytest.raises(Conflict):
        await service.register_matter(uow, RegisterMatter("QL-002", "再次检查", "cgj"))
    assert uow.commits == 0
    assert uow.emitted == []


async def test_a_late_older_version_cannot_bring_back_a_retired_power(store: FakeEnforcementStore) -> None:
    await service.retire_item(work(store), ItemRetired(item_code="QL-003", version=5, reason="职责调整"))
    await service.project_item(work(store), published("QL-003", ListKind.POWER, 4))
    with pytest.raises(Rejected, match="retired"):
        await service.register_matter(work(store), RegisterMatter("QL-003", "检查", "cgj"))
