"""Catalogue use cases against in-memory repositories: versions, 一街一单 and 立改废, one transaction each."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.events.catalog import (
    AdjustmentOpened,
    AdjustmentResolved,
    ItemPublished,
    ItemRetired,
    LawChanged,
    LawChangeKind,
    StreetListPublished,
)
from services.catalog.domain.items import ItemSpec
from services.catalog.domain.laws import ClauseChange, LawChange
from services.catalog.domain.library import CatalogueLoad, ClauseSpec, LawKind, LawSpec, LawStatus
from services.catalog.domain.streetlists import Status
from services.catalog.service import items, laws, streetlists
from services.runtime.errors import Conflict, NotFound, Rejected
from tests.unit.catalog_fakes import Catalogue, spec

LAW = LawSpec(law_id="L1", title="市容条例", kind=LawKind.REGULATION, issuer="市人大", effective_from=date(2020, 1, 1))
CLAUSES = [
    ClauseSpec(law_id="L1", article="第三条", paragraph="第一款", text="街道负责组织实施。"),
    ClauseSpec(law_id="L1", article="第三条", paragraph="第二款", text="部门负责监督。"),
    ClauseSpec(law_id="L1", article="第五条", text="违者处罚。"),
]


async def loaded(catalogue: Catalogue, *specs: ItemSpec) -> items.VersionOutcome:
    load = CatalogueLoad(note="第一轮", laws=[LAW], clauses=CLAUSES, items=list(specs))
    return await items.load_catalogue(catalogue.uow(), load)


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue()


async def test_a_load_makes_one_version_publishing_each_new_item_and_again_changes_nothing(
    catalogue: Catalogue,
) -> None:
    uow = catalogue.uow(actor="office-1")
    outcome = await items.load_catalogue(
        uow, CatalogueLoad(note="首次", laws=[LAW], clauses=CLAUSES, items=[spec("A")])
    )
    assert outcome.version == 1
    assert outcome.diff == {"added": ["A"], "changed": [], "grids": []}
    assert [(type(e), about) for e, about, _ in uow.emitted] == [(ItemPublished, "A")]
    assert uow.commits == 1
    assert uow.audited[0]["entity"] == "catalogue:1"
    assert (await items.versions(catalogue.uow(), limit=5))[0].actor == "office-1"
    again = await loaded(catalogue, spec("A"))
    assert again.version is None
    assert again.diff["added"] == []
    assert len(catalogue.items.versions) == 1


async def test_an_item_citing_a_clause_the_library_lacks_is_refused_with_nothing_written(catalogue: Catalogue) -> None:
    uow = catalogue.uow()
    with pytest.raises(Rejected) as refused:
        await items.load_catalogue(uow, CatalogueLoad(note="x", laws=[LAW], items=[spec("A", article="第九条")]))
    assert refused.value.field == "items.0.legal_basis"
    assert uow.commits == 0
    assert uow.emitted == []


async def test_a_street_list_goes_public_only_through_review_and_filing(catalogue: Catalogue) -> None:
    await loaded(catalogue, spec("A"), spec("B"))
    await streetlists.claim_items(catalogue.uow(), "wulong", ["A", "B"])
    with pytest.raises(Conflict):
        await streetlists.publish_list(catalogue.uow(), "wulong")  # still a draft
    await streetlists.submit_list(catalogue.uow(), "wulong")
    assert [found.street_code for found in await streetlists.lists_in(catalogue.uow(), Status.SUBMITTED)] == ["wulong"]
    approved = await streetlists.review_list(catalogue.uow(), "wulong", approve=True, comments=None)
    assert approved.catalogue_version == 1
    await streetlists.file_list(catalogue.uow(), "wulong", filing_no=None)
    uow = catalogue.uow()
    published = await streetlists.publish_list(uow, "wulong")
    [(event, about, _)] = uow.emitted
    assert isinstance(event, StreetListPublished)
    assert about == "wulong"
    assert event.item_codes == ("A", "B")
    assert event.filing_no == published.filing_no
    assert uow.audited[0]["before"]["status"] == "filed"
    assert uow.audited[0]["after"]["status"] == "published"
    public = await streetlists.published_list(catalogue.uow(), "wulong")
    assert [item.item_code for item in public.items] == ["A", "B"]
    assert public.withdrawn == ()


async def test_an_item_retired_after_publication_is_shown_withdrawn(catalogue: Catalogue) -> None:
    await loaded(catalogue, spec("A"), spec("B"))
    for step in ("claim", "submit", "review", "file", "publish"):
        uow = catalogue.uow()
        match step:
            case "claim":
                await streetlists.claim_items(uow, "wulong", ["A", "B"])
            case "submit":
                await streetlists.submit_list(uow, "wulong")
            case "review":
                await streetlists.review_list(uow, "wulong", approve=True, comments=None)
            case "file":
                await streetlists.file_list(uow, "wulong", filing_no="备-1")
            case "publish":
                await streetlists.publish_list(uow, "wulong")
    await catalogue.items.retire(2, catalogue.items.versions[0].created_at, spec("B"))
    public = await streetlists.published_list(catalogue.uow(), "wulong")
    assert [item.item_code for item in public.items] == ["A"]
    assert public.withdrawn == ("B",)
    with pytest.raises(Rejected) as refused:
        await streetlists.claim_items(catalogue.uow(), "wulong", ["A", "B"])
    assert refused.value.field == "item_codes.1"
    assert "retired" in refused.value.message


async def test_amending_a_paragraph_opens_one_adjustment_per_citing_item(catalogue: Catalogue) -> None:
    await loaded(
        catalogue,
        spec("WHOLE", article="第三条"),
        spec("PARA", article="第三条", paragraph="第二款"),
        spec("OTHER", article="第三条", paragraph="第一款"),
    )
    change = LawChange(
        change=LawChangeKind.AMENDED,
        effective_on=date(2026, 5, 1),
        note="修正案",
        clauses=[ClauseChange(article="第三条", paragraph="第二款", text="部门和街道共同监督。")],
    )
    uow = catalogue.uow()
    revision, opened = await laws.record_law_change(uow, "L1", change)
    assert revision == 2
    assert len(opened) == 2
    adjustments = {a.item_code: a for a in await laws.adjustments(catalogue.uow(), status="open", law_id=None, limit=9)}
    assert sorted(adjustments) == ["PARA", "WHOLE"]
    [diff] = adjustments["PARA"].clause_diff
    assert diff["old_text"] == "部门负责监督。"
    assert diff["new_text"] == "部门和街道共同监督。"
    assert diff["task_no"] == 0
    assert [type(e) for e, _, _ in uow.emitted] == [AdjustmentOpened, AdjustmentOpened, LawChanged]
    changed = uow.emitted[-1][0]
    assert isinstance(changed, LawChanged)
    assert changed.clauses == ("第三条/第二款",)
    view = await laws.law_view(catalogue.uow(), "L1")
    assert view.law.revision == 2
    assert [r.revision for r in view.revisions] == [2]


async def test_resolving_an_adjustment_with_a_revised_item_makes_a_version_once(catalogue: Catalogue) -> None:
    await loaded(catalogue, spec("A", article="第五条"))
    repeal = LawChange(change=LawChangeKind.REPEALED, effective_on=date(2026, 5, 1), note="废止决定")
    _, [adjustment_id] = await laws.record_law_change(catalogue.uow(), "L1", repeal)
    assert catalogue.library.laws["L1"].status is LawStatus.REPEALED
    with pytest.raises(Rejected):
        await laws.resolve_adjustment(catalogue.uow(), adjustment_id, item=spec("B"), resolution="换事项")
    uow = catalogue.uow()
    version = await laws.resolve_adjustment(
        uow, adjustment_id, item=spec("A", name="门前三包（修订）"), resolution="改依据"
    )
    assert version == 2
    assert [type(e) for e, _, _ in uow.emitted] == [ItemPublished, AdjustmentResolved]
    with pytest.raises(Conflict):
        await laws.resolve_adjustment(catalogue.uow(), adjustment_id, item=None, resolution="再次")


async def test_the_impact_of_an_unknown_law_is_not_found(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound) as missing:
        await laws.impact(catalogue.uow(), "NOPE")
    assert missing.value.field == "law_id"


async def test_impact_lists_each_citing_item_once_with_its_citing_tasks(catalogue: Catalogue) -> None:
    task = {
        "text": "巡查",
        "party": "street",
        "basis": [{"law_id": "L1", "law_title": "市容条例", "article": "第五条"}],
    }
    await loaded(catalogue, spec("A", tasks=[task]), spec("B", article="第三条"))
    found = await laws.impact(catalogue.uow(), "L1", article="第五条")
    [hit] = found.items
    assert hit.item_code == "A"
    assert hit.tasks == ("巡查",)
    assert sorted(hit.citations) == [(0, "L1", "第五条", ""), (1, "L1", "第五条", "")]


async def test_an_approved_removal_retires_the_item(catalogue: Catalogue) -> None:
    from contracts.events.admission import ApplicationApproved, ApplicationKind

    await loaded(catalogue, spec("A"))
    uow = catalogue.uow()
    fields = {"application_id": "00000000-0000-0000-0000-000000000001", "item_code": "A", "reason": "职责上收"}
    await items.apply_approval(uow, ApplicationApproved.model_validate({**fields, "kind": ApplicationKind.REMOVE}))
    assert [type(e) for e, _, _ in uow.emitted] == [ItemRetired]
    assert await catalogue.items.items_in_force() == {}
