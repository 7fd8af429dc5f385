"""Dispatch routing rules, pure."""

from __future__ import annotations

from contracts.events.dispatch import TaskRole
from services.dispatch.domain import RoutingEntry, route

ENTRY = RoutingEntry(
    item_code="GX-001",
    name="占道经营治理",
    responsible_body="cgj",
    co_operating_units=("scjg", "cgj"),
    street_codes=(),
    version=4,
    basis="城市市容和环境卫生管理条例 第十四条",
)


def test_the_responsible_body_leads_and_co_operating_units_assist_once() -> None:
    routing = route(item_code="GX-001", entry=ENTRY, reported_street=None, grid_street="hongxing")
    assert routing.refusal is None
    assert routing.street_code == "hongxing"
    assert [(a.assignee_code, a.role) for a in routing.assignments] == [
        ("cgj", TaskRole.PRIMARY),
        ("scjg", TaskRole.CO_OPERATING),
    ]
    assert "v4" in routing.assignments[0].reason
    assert "第十四条" in routing.assignments[0].reason


def test_the_street_the_reporter_names_wins_over_the_grid_map() -> None:
    assert route(item_code="GX-001", entry=ENTRY, reported_street="s2", grid_street="s1").street_code == "s2"


def test_cases_off_the_catalogue_are_refused_with_a_reason() -> None:
    assert "not in the catalogue" in (
        route(item_code="X", entry=None, reported_street="s", grid_street=None).refusal or ""
    )
    retired = RoutingEntry(**{**ENTRY.__dict__, "retired": True})
    assert "retired" in (route(item_code="GX-001", entry=retired, reported_street="s", grid_street=None).refusal or "")
    nowhere = route(item_code="GX-001", entry=ENTRY, reported_street=None, grid_street=None)
    assert "no known street" in (nowhere.refusal or "")
    assert nowhere.assignments == ()


def test_a_street_gets_only_items_on_its_published_list() -> None:
    listed = RoutingEntry(**{**ENTRY.__dict__, "street_codes": ("s1",)})
    assert route(item_code="GX-001", entry=listed, reported_street="s1", grid_street=None).refusal is None
    refused = route(item_code="GX-001", entry=listed, reported_street="s2", grid_street=None)
    assert "not on the published list of street s2" in (refused.refusal or "")
