"""唯一入口 in the catalogue's use cases, against in-memory repositories: loads, edits and adjustment resolutions
that widen street duties pass only on an approved application or an emergency, and nothing half-written."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from contracts.events.admission import ApplicationApproved, ApplicationKind
from contracts.events.catalog import EmergencyRecorded, ItemPublished, LawChangeKind
from services.catalog.domain.door import Grounds
from services.catalog.domain.items import ItemSpec
from services.catalog.domain.laws import ClauseChange, LawChange
from services.catalog.domain.library import CatalogueLoad, ClauseSpec, LawKind, LawSpec
from services.catalog.service import door, items, laws
from services.runtime.errors import Rejected
from tests.unit.catalog_fakes import Catalogue
from tests.unit.catalog_fakes import spec as catalog_spec

LAW = LawSpec(law_id="L1", title="市容条例", kind=LawKind.REGULATION, issuer="市人大", effective_from=date(2020, 1, 1))
CLAUSES = [
    ClauseSpec(law_id="L1", article="第五条", text="街道配合。"),
    ClauseSpec(law_id="L1", article="第六条", text="部门负责。"),
]
PATROL = {
    "party": "street",
    "text": "配合开展市容巡查",
    "basis": [{"law_id": "L1", "law_title": "市容条例", "article": "第五条"}],
}
LEDGER = {"party": "street", "text": "建立市容台账"}


def spec(code: str, *tasks: dict[str, Any]) -> ItemSpec:
    return catalog_spec(code, tasks=list(tasks))


@pytest.fixture
async def catalogue() -> Catalogue:
    """A catalogue with its founding list: item A with one street task."""
    catalogue = Catalogue()
    founding = CatalogueLoad(note="首次建立清单", laws=[LAW], clauses=CLAUSES, items=[spec("A", PATROL)])
    assert (await items.load_catalogue(catalogue.uow(), founding)).version == 1
    return catalogue


async def test_a_load_adding_a_street_task_is_refused_whole_with_nothing_written(catalogue: Catalogue) -> None:
    uow = catalogue.uow()
    load = CatalogueLoad(note="第二轮", items=[spec("B"), spec("A", PATROL, LEDGER)])
    with pytest.raises(Rejected) as refused:
        await items.load_catalogue(uow, load)
    assert refused.value.field == "items.1.tasks.1"
    assert (uow.commits, uow.emitted, len(catalogue.items.versions)) == (0, [], 1)
    assert "B" not in await catalogue.items.items_in_force()


async def test_an_edit_citing_an_applied_approval_makes_a_version_citing_it(catalogue: Catalogue) -> None:
    application_id = uuid.uuid4()
    approved = ApplicationApproved(
        application_id=application_id,
        kind=ApplicationKind.CHANGE,
        item_code="A",
        item=spec("A", PATROL, LEDGER),
        reason="常委会审定通过",
    )
    await items.apply_approval(catalogue.uow(), approved)
    assert catalogue.items.versions[-1].diff["application"] == [str(application_id)]
    renamed = spec("A", PATROL, LEDGER).model_copy(update={"name": "门前三包（更名）"})
    outcome = await items.edit_item(catalogue.uow(), renamed, Grounds(application_id=application_id), note="更名")
    assert outcome.diff["application"] == [str(application_id)]


async def test_an_emergency_edit_is_marked_audited_and_flagged(catalogue: Catalogue) -> None:
    uow = catalogue.uow(actor="office-1")
    grounds = Grounds(emergency_reason="防汛应急")
    outcome = await items.edit_item(uow, spec("A", PATROL, LEDGER), grounds, note="应急")
    assert outcome.diff["emergency"] == ["防汛应急"]
    flags = [event for event, _, _ in uow.emitted if isinstance(event, EmergencyRecorded)]
    assert flags == [EmergencyRecorded(version=2, reason="防汛应急", actor="office-1", item_codes=("A",))]
    [audited] = [row for row in uow.audited if row["action"] == "catalogue.emergency"]
    assert audited["after"]["widened"] == ["A tasks.1: new street task '建立市容台账'"]
    assert [v.version for v in await door.emergencies(catalogue.uow(), limit=10)] == [2]


async def test_an_adjustment_resolution_widening_street_duties_is_refused_and_stays_open(catalogue: Catalogue) -> None:
    change = LawChange(
        change=LawChangeKind.AMENDED,
        effective_on=date(2026, 1, 1),
        note="修正",
        clauses=[ClauseChange(article="第五条", text="街道负责。")],
    )
    _, [adjustment_id] = await laws.record_law_change(catalogue.uow(), "L1", change)
    uow = catalogue.uow()
    with pytest.raises(Rejected) as refused:
        await laws.resolve_adjustment(uow, adjustment_id, item=spec("A", PATROL, LEDGER), resolution="改为负责")
    assert refused.value.field == "item.tasks.1"
    assert (uow.commits, [e for e, _, _ in uow.emitted if isinstance(e, ItemPublished)]) == (0, [])
    assert (await laws.adjustments(catalogue.uow(), status="open", law_id="L1", limit=5))[0].id == adjustment_id
