"""一街一单 rules, pure: every transition of a street list's workflow, legal or not, and what a street may claim."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.catalog.domain import streetlists as rules
from services.catalog.domain.items import ItemSpec
from services.catalog.domain.streetlists import MOVES, Action, Status, StreetList
from services.runtime.errors import Conflict, Forbidden, Rejected
from tests.unit.catalog_fakes import spec as catalog_spec


def spec(code: str, **changes: Any) -> ItemSpec:
    return catalog_spec(code, law_title="条例", article="第九条", **changes)


def at(status: Status, *, items: tuple[str, ...] = ("A",)) -> StreetList:
    return StreetList("hongxing", 1, status, items)


def act(current: StreetList, action: Action) -> StreetList:
    """Apply one action with well-formed input, so only the workflow can refuse it."""
    match action:
        case Action.SUBMIT:
            return rules.submit(current)
        case Action.APPROVE:
            return rules.approve(current, catalogue_version=7)
        case Action.RETURN:
            return rules.send_back(current, comments="补充依据")
        case Action.FILE:
            return rules.file(current, filing_no="备2024-1")
        case Action.PUBLISH:
            return rules.publish(current)


LEGAL = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.APPROVE): Status.APPROVED,
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.APPROVED, Action.RETURN): Status.RETURNED,
    (Status.FILED, Action.RETURN): Status.RETURNED,
    (Status.APPROVED, Action.FILE): Status.FILED,
    (Status.FILED, Action.PUBLISH): Status.PUBLISHED,
}
ALL = [(status, action) for status in Status for action in Action]


def test_the_table_is_the_whole_workflow() -> None:
    table = {(start, action): target for action, (starts, target) in MOVES.items() for start in starts}
    assert table == LEGAL


@pytest.mark.parametrize(("status", "action"), list(LEGAL))
def test_a_legal_transition_leads_where_the_workflow_says(status: Status, action: Action) -> None:
    assert act(at(status), action).status is LEGAL[(status, action)]


@pytest.mark.parametrize(("status", "action"), [pair for pair in ALL if pair not in LEGAL])
def test_an_illegal_transition_is_a_conflict_naming_the_status(status: Status, action: Action) -> None:
    with pytest.raises(Conflict, match=f"while it is {status}") as refused:
        act(at(status), action)
    assert refused.value.field == "status"


def test_the_whole_road_carries_version_and_filing_number() -> None:
    claimed = rules.claim(None, "hongxing", ["A", "B"])
    assert (claimed.revision, claimed.status) == (1, Status.DRAFT)
    returned = rules.send_back(rules.submit(claimed), comments="缺少差异化事项")
    assert returned.comments == "缺少差异化事项"
    fixed = rules.claim(returned, "hongxing", ["A", "B", "C"])
    assert (fixed.revision, fixed.status, fixed.comments) == (1, Status.RETURNED, "缺少差异化事项")
    published = rules.publish(
        rules.file(rules.approve(rules.submit(fixed), catalogue_version=9), filing_no=" 备2024-7 ")
    )
    assert (published.status, published.catalogue_version, published.filing_no) == (Status.PUBLISHED, 9, "备2024-7")
    assert published.item_codes == ("A", "B", "C")


def test_returning_a_filed_list_clears_its_filing() -> None:
    filed = StreetList("hongxing", 2, Status.FILED, ("A",), catalogue_version=3, filing_no="备-1")
    returned = rules.send_back(filed, comments="事项已取消，请重新认领")
    assert (returned.filing_no, returned.catalogue_version) == (None, None)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.FILED])
def test_claims_are_frozen_while_the_office_holds_the_list(status: Status) -> None:
    with pytest.raises(Conflict) as refused:
        rules.claim(at(status), "hongxing", ["B"])
    assert refused.value.field == "status"


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED])
def test_a_working_revision_is_edited_in_place(status: Status) -> None:
    edited = rules.claim(at(status), "hongxing", ["B"])
    assert (edited.revision, edited.status, edited.item_codes) == (1, status, ("B",))


def test_a_claim_after_publication_opens_the_next_revision_as_a_draft() -> None:
    published = StreetList("hongxing", 3, Status.PUBLISHED, ("A",), catalogue_version=4, filing_no="备-3")
    draft = rules.claim(published, "hongxing", ["A", "B"])
    assert (draft.revision, draft.status, draft.filing_no, draft.catalogue_version) == (4, Status.DRAFT, None, None)


def test_bad_review_and_filing_input_names_the_field() -> None:
    with pytest.raises(Rejected) as no_items:
        rules.submit(at(Status.DRAFT, items=()))
    assert no_items.value.field == "item_codes"
    with pytest.raises(Rejected) as no_comments:
        rules.send_back(at(Status.SUBMITTED), comments="  ")
    assert no_comments.value.field == "comments"
    with pytest.raises(Rejected) as no_number:
        rules.file(at(Status.APPROVED), filing_no="")
    assert no_number.value.field == "filing_no"


def test_a_default_filing_number_names_year_street_and_revision() -> None:
    assert rules.default_filing_no("hongxing", 3, on=date(2024, 5, 1)) == "备2024-hongxing-3"


IN_FORCE = {
    "A": spec("A"),
    "D": spec("D", list_kind="differentiated", street_codes=["hongxing", "zhengyang"]),
}


def test_a_street_claims_items_in_force_and_differentiated_items_naming_it() -> None:
    rules.check_claims("hongxing", ["A", "D"], in_force=IN_FORCE, known={"A", "D"})


@pytest.mark.parametrize(
    ("codes", "known", "field", "message"),
    [
        (["A", "NOPE"], set(), "item_codes.1", "not in the catalogue"),
        (["OLD"], {"OLD"}, "item_codes.0", "retired"),
        (["A", "A"], set(), "item_codes.1", "claimed twice"),
    ],
)
def test_a_bad_claim_names_its_position(codes: list[str], known: set[str], field: str, message: str) -> None:
    with pytest.raises(Rejected, match=message) as refused:
        rules.check_claims("hongxing", codes, in_force=IN_FORCE, known=known)
    assert refused.value.field == field


def test_a_differentiated_item_of_other_streets_cannot_be_claimed() -> None:
    with pytest.raises(Rejected, match="does not apply to street longsha") as refused:
        rules.check_claims("longsha", ["A", "D"], in_force=IN_FORCE, known=set())
    assert refused.value.field == "item_codes.1"


def test_a_street_acts_for_itself_only() -> None:
    rules.check_acts_for("hongxing", frozenset({"hongxing"}))
    with pytest.raises(Forbidden) as refused:
        rules.check_acts_for("longsha", frozenset({"hongxing"}))
    assert (refused.value.field, refused.value.location, refused.value.status) == ("street_code", "path", 403)


def test_an_approved_admission_reopens_a_published_list_for_filing_with_the_item() -> None:
    reopened = rules.reopen(at(Status.PUBLISHED), "NEW", drop=False, note="准入")
    assert reopened is not None
    assert (reopened.revision, reopened.status, reopened.item_codes, reopened.comments) == (
        2,
        Status.DRAFT,
        ("A", "NEW"),
        "准入",
    )
    dropped = rules.reopen(at(Status.PUBLISHED, items=("A", "B")), "A", drop=True, note="准入")
    assert dropped is not None
    assert dropped.item_codes == ("B",)


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.FILED])
def test_a_list_in_the_offices_hands_or_not_holding_a_removed_item_is_left_alone(status: Status) -> None:
    assert rules.reopen(at(status), "NEW", drop=False, note="准入") is None
    assert rules.reopen(None, "NEW", drop=False, note="准入") is None
    assert rules.reopen(at(Status.PUBLISHED), "OTHER", drop=True, note="准入") is None


def test_a_draft_takes_the_approved_item_in_place() -> None:
    reopened = rules.reopen(at(Status.DRAFT, items=("A", "NEW")), "NEW", drop=False, note="准入")
    assert reopened is not None
    assert (reopened.revision, reopened.item_codes) == (1, ("A", "NEW"))
