"""The demo dataset holds Longsha's figures (DOMAIN.md), the same every time, in a load the catalogue accepts."""

from __future__ import annotations

from collections import Counter

from contracts.events.catalog import ListKind, TaskParty
from services.catalog.domain.items import ItemSpec, citations
from services.catalog.domain.library import LawKind, OrgKind, check_citations, check_organisations
from services.platform.catalog_demo import FIGURES, STREETS
from tests.demo_catalogue import citing_items, demo_load


def test_the_demo_holds_the_longsha_figures() -> None:
    load = demo_load()
    reference = [i for i in load.items if i.list_kind is not ListKind.DIFFERENTIATED]
    differentiated = [i for i in load.items if i.list_kind is ListKind.DIFFERENTIATED]
    cited = {(law, article, paragraph) for item in load.items for _, law, article, paragraph in citations(item)}
    kinds = Counter(law.kind for law in load.laws if law.law_id in {law for law, _, _ in cited})

    assert len(load.laws) == 494
    assert len(cited) == 693
    assert kinds[LawKind.NORMATIVE] == 225
    assert kinds[LawKind.LAW] + kinds[LawKind.REGULATION] + kinds[LawKind.RULE] == 172
    assert (len(reference), *_tasks(reference)) == (112, 389, 333)
    assert (len(differentiated), *_tasks(differentiated)) == (21, 99, 74)
    assert sum(i.list_kind is ListKind.POWER for i in reference) == FIGURES["power_items"] == 25
    assert len(load.grids) == 363
    assert {g.street_code for g in load.grids} == set(STREETS)
    assert len(STREETS) == 5
    orgs = Counter(o.kind for o in load.organisations)
    assert (orgs[OrgKind.STREET], orgs[OrgKind.AGENCY], orgs[OrgKind.DEPARTMENT]) == (5, 15, 20)


def _tasks(items: list[ItemSpec]) -> tuple[int, int]:
    parties = Counter(task.party for item in items for task in item.tasks)
    return parties[TaskParty.DEPARTMENT], parties[TaskParty.STREET]


def test_the_demo_is_deterministic_and_consistent() -> None:
    load = demo_load()

    assert demo_load() == load
    assert demo_load(seed=7) != load
    assert len({i.item_code for i in load.items}) == len({i.name for i in load.items}) == 133
    assert len({law.title for law in load.laws}) == 494
    check_citations(load.items, {c.key: True for c in load.clauses})
    check_organisations(load.organisations, [])
    codes = {o.code for o in load.organisations}
    assert all({i.responsible_body, *i.co_operating_units, *i.street_codes} <= codes for i in load.items)
    assert all(i.street_codes for i in load.items if i.list_kind is ListKind.DIFFERENTIATED)
    assert "五龙街道" in {o.name for o in load.organisations}


def test_citing_items_counts_independently() -> None:
    load = demo_load()
    item = load.items[0]
    ref = item.legal_basis[0]

    by_clause = citing_items(load, ref.law_id, ref.article, ref.paragraph)

    assert item.item_code in by_clause
    assert by_clause <= citing_items(load, ref.law_id)
    assert citing_items(load, "no-such-law") == set()
