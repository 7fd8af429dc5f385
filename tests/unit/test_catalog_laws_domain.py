"""立改废 rules, pure: which clauses a change touches and which citations it reaches."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from contracts.events.catalog import LawChangeKind
from services.catalog.domain.laws import ClauseChange, LawChange, changed_keys, plan_change
from services.catalog.domain.library import OrgKind, OrgSpec, affected, check_organisations
from services.runtime.errors import Rejected

CURRENT = {("L", "第三条", "第一款"): "旧一", ("L", "第三条", "第二款"): "旧二", ("L", "第五条", ""): "旧五"}


def change(kind: LawChangeKind, *clauses: ClauseChange) -> LawChange:
    return LawChange(change=kind, effective_on=date(2026, 12, 1), note="修订", clauses=list(clauses))


def test_an_amendment_touches_only_the_clauses_whose_text_changed() -> None:
    edits = plan_change(
        "L",
        change(
            LawChangeKind.AMENDED,
            ClauseChange(article="第三条", paragraph="第二款", text="新二"),
            ClauseChange(article="第五条", text="旧五"),
            ClauseChange(article="第八条", text="新增"),
        ),
        CURRENT,
    )
    assert changed_keys(edits) == {("L", "第三条", "第二款")}


def test_a_repeal_touches_every_clause_and_a_renumbering_moves_them() -> None:
    assert changed_keys(plan_change("L", change(LawChangeKind.REPEALED), CURRENT)) == set(CURRENT)
    moved = plan_change(
        "L", change(LawChangeKind.RENUMBERED, ClauseChange(article="第五条", new_article="第六条")), CURRENT
    )
    assert moved[0].new_key == ("L", "第六条", "")
    assert moved[0].new_text == "旧五"
    with pytest.raises(Rejected) as refused:
        plan_change(
            "L", change(LawChangeKind.RENUMBERED, ClauseChange(article="第九条", new_article="第十条")), CURRENT
        )
    assert refused.value.field == "clauses.0"


def test_a_change_must_carry_what_its_kind_needs() -> None:
    with pytest.raises(ValidationError, match="new text is missing"):
        change(LawChangeKind.AMENDED, ClauseChange(article="第三条"))
    with pytest.raises(ValidationError, match="names its clauses"):
        change(LawChangeKind.AMENDED)
    with pytest.raises(ValidationError, match="only an enactment"):
        change(LawChangeKind.ENACTED, ClauseChange(article="第一条", text="x"))


def test_whole_article_citations_are_reached_by_a_paragraph_change() -> None:
    cited = [
        ("A", (0, "L", "第三条", "")),
        ("B", (1, "L", "第三条", "第二款")),
        ("C", (0, "L", "第三条", "第一款")),
        ("D", (0, "M", "第三条", "")),
    ]
    assert set(affected({("L", "第三条", "第二款")}, cited)) == {"A", "B"}
    assert set(affected({("L", "第三条", "")}, cited)) == {"A", "B", "C"}


def test_organisations_may_not_dangle_or_loop() -> None:
    street = OrgSpec(code="hx", name="湖滨街道", kind=OrgKind.STREET)
    community = OrgSpec(code="c1", name="一社区", kind=OrgKind.COMMUNITY, parent_code="hx")
    check_organisations([street, community], known=[])
    with pytest.raises(Rejected) as dangling:
        check_organisations([community], known=[])
    assert dangling.value.field == "organisations.0.parent_code"
    loop = [
        OrgSpec(code="a", name="甲", kind=OrgKind.AGENCY, parent_code="b"),
        OrgSpec(code="b", name="乙", kind=OrgKind.AGENCY, parent_code="a"),
    ]
    with pytest.raises(Rejected, match="own ancestor"):
        check_organisations(loop, known=[])
