"""Catalogue rules, pure: what a load changes, and what it may not contain."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from contracts.geo import GeoPolygon
from services.catalog.domain.items import GridSpec, ItemSpec, diff, end_of_day
from services.runtime.errors import Rejected
from tests.unit.catalog_fakes import spec as catalog_spec


def spec(code: str, **changes: Any) -> ItemSpec:
    return catalog_spec(code, law_title="条例", article="第九条", **changes)


def test_a_load_is_split_into_added_changed_and_unchanged() -> None:
    current = {"A": spec("A"), "B": spec("B")}
    change = diff(
        current,
        {"g1": GridSpec(grid_code="g1", street_code="s1")},
        items=[spec("A"), spec("B", name="新名称"), spec("C")],
        grids=[
            GridSpec(grid_code="g1", street_code="s1"),
            GridSpec(grid_code="g2", street_code="s1"),
        ],
    )
    assert change.summary() == {"added": ["C"], "changed": ["B"], "grids": ["g2"]}
    assert change.unchanged == ("A",)
    assert not change.empty


def square(west: float) -> GeoPolygon:
    ring = [(west, 47.3), (west + 0.01, 47.3), (west + 0.01, 47.31), (west, 47.31), (west, 47.3)]
    return GeoPolygon(coordinates=[ring])


def test_a_grid_whose_outline_alone_changes_has_changed() -> None:
    held = {"g1": GridSpec(grid_code="g1", street_code="s1", geometry=square(123.9))}

    change = diff({}, held, items=[], grids=[GridSpec(grid_code="g1", street_code="s1", geometry=square(123.95))])

    assert change.summary()["grids"] == ["g1"]
    assert change.grids[0].geometry == square(123.95)


def test_a_grid_stated_without_an_outline_keeps_the_one_held() -> None:
    held = {"g1": GridSpec(grid_code="g1", street_code="s1", geometry=square(123.9))}

    same = diff({}, held, items=[], grids=[GridSpec(grid_code="g1", street_code="s1")])
    moved = diff({}, held, items=[], grids=[GridSpec(grid_code="g1", street_code="s2")])

    assert same.empty
    assert moved.grids == (GridSpec(grid_code="g1", street_code="s2", geometry=square(123.9)),)


def test_an_identical_load_changes_nothing() -> None:
    assert diff({"A": spec("A")}, {}, items=[spec("A")], grids=[]).empty


def test_a_code_named_twice_is_refused_pointing_at_the_second() -> None:
    with pytest.raises(Rejected) as refused:
        diff({}, {}, items=[spec("A"), spec("B"), spec("A")], grids=[])
    assert refused.value.field == "items.2.item_code"


def test_an_item_needs_legal_basis_and_valid_codes() -> None:
    with pytest.raises(ValidationError, match="legal basis"):
        spec("A", legal_basis=[])
    with pytest.raises(ValidationError, match="item_code"):
        spec("A B")
    with pytest.raises(ValidationError, match="extra"):
        spec("A", unknown_field=1)


def test_as_of_dates_end_at_midnight_in_china() -> None:
    from datetime import date

    assert end_of_day(date(2026, 2, 16)).isoformat() == "2026-02-17T00:00:00+08:00"
