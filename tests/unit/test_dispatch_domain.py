"""Dispatch routing rules, pure."""

from __future__ import annotations

from datetime import date

from contracts.events.dispatch import TaskRole
from services.dispatch.domain import (
    Cover,
    CoverKind,
    RoutingEntry,
    StreetList,
    in_force,
    route,
    street_verdict,
    upcoming,
)

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


def test_a_retired_item_is_refused_and_what_routing_cannot_place_goes_to_triage() -> None:
    unknown = route(item_code="X", entry=None, reported_street="s", grid_street=None)
    assert unknown.refusal is None
    assert "not in the catalogue" in (unknown.triage or "")
    retired = RoutingEntry(**{**ENTRY.__dict__, "retired": True})
    refused = route(item_code="GX-001", entry=retired, reported_street="s", grid_street=None)
    assert "retired" in (refused.refusal or "")
    assert refused.triage is None
    nowhere = route(item_code="GX-001", entry=ENTRY, reported_street=None, grid_street=None)
    assert nowhere.refusal is None
    assert "no known street" in (nowhere.triage or "")
    assert nowhere.assignments == ()


def test_without_a_published_list_a_street_falls_back_to_the_streets_the_item_names() -> None:
    listed = RoutingEntry(**{**ENTRY.__dict__, "street_codes": ("s1",)})
    accepted = route(item_code="GX-001", entry=listed, reported_street="s1", grid_street=None)
    assert accepted.refusal is None
    assert "item-streets rule" in (accepted.street_rule or "")
    dropped = route(item_code="GX-001", entry=listed, reported_street="s2", grid_street=None)
    assert dropped.refusal is None
    assert dropped.street_dropped
    assert (dropped.street_rule or "").startswith("item-streets rule (street s2 has no published list yet)")
    assert "names streets s1, not s2" in (dropped.street_rule or "")
    anywhere = route(item_code="GX-001", entry=ENTRY, reported_street="s9", grid_street=None)
    assert "district-wide duty" in (anywhere.street_rule or "")


LIST_S1 = StreetList("s1", revision=3, item_codes=frozenset({"GX-001"}), filing_no="长备〔2026〕1号")
LIST_S2 = StreetList("s2", revision=1, item_codes=frozenset({"GX-009"}), filing_no="长备〔2026〕2号")


def test_a_published_list_decides_over_the_streets_the_item_names() -> None:
    named_elsewhere = RoutingEntry(**{**ENTRY.__dict__, "street_codes": ("s7",)})
    on_list = route(
        item_code="GX-001", entry=named_elsewhere, reported_street="s1", grid_street=None, street_list=LIST_S1
    )
    assert on_list.refusal is None
    assert "street-list rule (一街一单)" in (on_list.street_rule or "")
    assert "r3, 备案 长备〔2026〕1号" in (on_list.street_rule or "")  # the routing says which rule let it in

    off_list = route(item_code="GX-001", entry=ENTRY, reported_street="s2", grid_street=None, street_list=LIST_S2)
    assert off_list.refusal is None
    assert off_list.street_dropped
    assert (off_list.street_rule or "").startswith("street-list rule (一街一单): street s2's published list")
    assert "does not hold item GX-001, and no approved admission or open whistle covers it" in (
        off_list.street_rule or ""
    )


def test_the_outside_list_rule_refuses_only_the_streets_part() -> None:
    """The street's tasks go only where its list allows; the responsible department acts either way."""
    with_street_tasks = RoutingEntry(**{**ENTRY.__dict__, "street_tasks": ("劝导占道经营者",)})
    on_list = route(
        item_code="GX-001", entry=with_street_tasks, reported_street="s1", grid_street=None, street_list=LIST_S1
    )
    assert [(a.assignee_code, a.role) for a in on_list.assignments] == [
        ("cgj", TaskRole.PRIMARY),
        ("scjg", TaskRole.CO_OPERATING),
        ("s1", TaskRole.CO_OPERATING),
    ]
    assert "劝导占道经营者" in on_list.assignments[-1].reason
    off_list = route(
        item_code="GX-001", entry=with_street_tasks, reported_street="s2", grid_street=None, street_list=LIST_S2
    )
    assert [a.assignee_code for a in off_list.assignments] == ["cgj", "scjg"]
    assert off_list.street_code == "s2"


def test_an_approved_admission_or_an_open_whistle_covers_an_item_off_the_list() -> None:
    admission = Cover(CoverKind.ADMISSION, "app-1", "add: 常委会审定")
    admitted = route(
        item_code="GX-001",
        entry=ENTRY,
        reported_street="s2",
        grid_street=None,
        street_list=LIST_S2,
        covers=(admission,),
    )
    assert admitted.refusal is None
    assert "approved admission app-1 (准入) covers it" in (admitted.street_rule or "")
    whistle = Cover(CoverKind.WHISTLE, "w-1", "emergency, on case c-1")
    whistled = street_verdict(
        item_code="GX-001", street="s2", street_list=LIST_S2, item_streets=(), version=4, covers=(whistle,)
    )
    assert whistled.allowed
    assert "open whistle w-1 (吹哨)" in whistled.rule
    fallback = street_verdict(
        item_code="GX-001", street="s2", street_list=None, item_streets=("s1",), version=4, covers=(admission,)
    )
    assert fallback.allowed
    assert fallback.rule.startswith("item-streets rule")


V1 = RoutingEntry(**{**ENTRY.__dict__, "version": 1, "effective_from": date(2026, 1, 1)})
V2 = RoutingEntry(**{**ENTRY.__dict__, "version": 2, "responsible_body": "scjg", "effective_from": date(2026, 12, 1)})


def test_a_version_waits_for_its_effective_date_and_the_one_before_stays_in_force() -> None:
    assert in_force([V2, V1], date(2026, 11, 30)) == V1  # arrival order does not matter
    assert upcoming([V2, V1], date(2026, 11, 30)) == V2
    assert in_force([V1, V2], date(2026, 12, 1)) == V2
    assert upcoming([V1, V2], date(2026, 12, 1)) is None
    retired = RoutingEntry(**{**ENTRY.__dict__, "version": 3, "retired": True, "effective_from": None})
    assert in_force([V1, V2, retired], date(2026, 11, 30)) == retired  # a retirement applies at once


def test_an_item_not_in_force_yet_is_refused_naming_the_date() -> None:
    routing = route(item_code="GX-001", entry=None, reported_street="s1", grid_street=None, pending=V2)
    assert routing.refusal == (
        "effective-date rule: item GX-001 is not in force yet (catalogue v2 takes effect on 2026-12-01)"
    )
