"""Joint-enforcement rules, pure: the power list and what a matter may rest on."""

from __future__ import annotations

import pytest

from contracts.events.catalog import ListKind
from services.enforcement.domain import PowerListEntry, entry_for, matter_refusal


def test_only_power_items_are_listed() -> None:
    power = entry_for(item_code="ZF-01", name="对占道经营的处罚", list_kind=ListKind.POWER, version=2)
    assert power == PowerListEntry(item_code="ZF-01", name="对占道经营的处罚", version=2, listed=True)
    for kind in set(ListKind) - {ListKind.POWER}:
        assert not entry_for(item_code="GX-01", name="x", list_kind=kind, version=1).listed


def test_a_matter_rests_on_a_listed_power_item() -> None:
    assert matter_refusal("ZF-01", PowerListEntry("ZF-01", "对占道经营的处罚", 2, listed=True)) is None


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (None, "item ZF-01 is not in the catalogue"),
        (PowerListEntry("ZF-01", "x", 3, listed=False), "not on the power list (行政权力清单) or was retired"),
        (PowerListEntry("ZF-01", None, 3, listed=False), "not on the power list"),
    ],
)
def test_a_matter_on_anything_else_is_refused_with_the_reason(entry: PowerListEntry | None, reason: str) -> None:
    assert reason in (matter_refusal("ZF-01", entry) or "")
