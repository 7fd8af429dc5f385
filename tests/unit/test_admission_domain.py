"""Admission's automatic checks (自动审查), pure."""

from __future__ import annotations

from contracts.events.admission import ApplicationKind
from services.admission.domain import Flag, KnownItem, screen

LIVE = KnownItem(item_code="GX-001", name="占道经营治理", version=3)
RETIRED = KnownItem(item_code="GX-001", name="占道经营治理", version=4, retired=True)


def test_adding_a_new_item_passes_with_no_flags() -> None:
    screening = screen(kind=ApplicationKind.ADD, item_code="GX-900", known=None)
    assert screening.refusal is None
    assert screening.flags == ()


def test_adding_an_item_the_catalogue_holds_is_flagged_as_a_duplicate_not_refused() -> None:
    screening = screen(kind=ApplicationKind.ADD, item_code="GX-001", known=LIVE)
    assert screening.refusal is None
    assert screening.flags == (Flag.DUPLICATE_OF_EXISTING,)


def test_re_adding_a_retired_item_is_flagged_as_offloading() -> None:
    screening = screen(kind=ApplicationKind.ADD, item_code="GX-001", known=RETIRED)
    assert screening.refusal is None
    assert screening.flags == (Flag.READDS_RETIRED_ITEM,)


def test_change_and_remove_need_an_item_the_catalogue_holds() -> None:
    for kind, verb in ((ApplicationKind.CHANGE, "changed"), (ApplicationKind.REMOVE, "removed")):
        assert screen(kind=kind, item_code="GX-001", known=LIVE).refusal is None
        unknown = screen(kind=kind, item_code="GX-900", known=None)
        assert unknown.refusal == f"item GX-900 is not in the catalogue, so it cannot be {verb}"
        assert unknown.flags == ()
        assert screen(kind=kind, item_code="GX-001", known=RETIRED).refusal is not None
