"""Joint visits (进一次门、查多项事) and register files, pure."""

from __future__ import annotations

import io

import openpyxl
import pytest

from services.enforcement.domain.spec import DrawRefused, PoolOfficer
from services.enforcement.domain.visits import Planned, merge_visits
from services.enforcement.sheets.registers import OFFICER_COLUMNS, read_officers, read_targets
from services.enforcement.sheets.table import FileRejected, read_sheet

TEAM = [
    PoolOfficer("Z1", "hx-zhzfd", "hongxing", frozenset({"城市管理"}), frozenset({"T2"})),
    PoolOfficer("Z2", "hx-zhzfd", "hongxing", frozenset({"城市管理"}), frozenset()),
]
PLANNED = [
    Planned("m-food", "scjg", "T1", "hongxing", ("A1", "A2")),
    Planned("m-road", "cgj", "T1", "hongxing", ("B1", "B2")),
    Planned("m-fire", "xfj", "T1", "hongxing", ("C1", "A1")),
    Planned("m-food", "scjg", "T2", "hongxing", ("A3", "A4")),
]


def test_inspections_on_one_target_become_one_visit_staffed_1_2_n() -> None:
    plan = merge_visits(PLANNED, TEAM, visit_cap=5)
    assert (plan.inspections, len(plan.visits), plan.saved) == (4, 2, 2)
    first = plan.visits[0]
    assert (first.target, first.enforcing, first.co_operating) == ("T1", ("cgj", "scjg"), ("xfj",))
    assert first.officers == ("B1", "B2", "A1", "A2", "C1")
    assert first.lead == "Z1"
    assert plan.visits[1].lead == "Z2"  # Z1 declared a conflict with T2 (回避)


def test_caps_leave_a_visit_unstaffed_rather_than_overload_an_officer() -> None:
    plan = merge_visits(PLANNED, TEAM[1:], visit_cap=1)
    assert plan.unstaffed == ("T2",)


def test_an_officer_under_recusal_cannot_be_forced_onto_a_visit() -> None:
    with pytest.raises(DrawRefused, match="recusal") as refused:
        merge_visits(PLANNED, TEAM, visit_cap=5, assign={"T2": "Z1"})
    assert refused.value.field == "assign.T2"


def test_an_officer_file_with_bad_rows_is_refused_whole_listing_every_problem() -> None:
    csv = (
        "编码,姓名,所属单位,执法资格,回避对象\n"
        "ZF1,张三,scjg,市场监管:2027-12-31,T1\n"
        "ZF2,,scjg,市场监管 2027,\n"
        "ZF1,李四,scjg,城市管理:2027-01-01,\n"
    )
    with pytest.raises(FileRejected) as rejected:
        read_officers(read_sheet(csv.encode("gb18030"), "officers.csv"))
    problems = [(e.row, e.column) for e in rejected.value.errors]
    assert problems == [(3, "姓名"), (3, "执法资格"), (4, "编码")]


def test_targets_read_from_a_workbook() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编码", "名称", "所属街道", "风险等级", "执法领域", "检查记录"])
    sheet.append(["T1", "红星饭店", "hongxing", "较高", "市场监管、消防", "2026-02-01 食品安全"])
    out = io.BytesIO()
    workbook.save(out)
    (target,) = read_targets(read_sheet(out.getvalue(), "targets.xlsx"))
    assert (target.name, target.risk_tier.value, sorted(target.domains)) == (
        "红星饭店",
        "elevated",
        ["市场监管", "消防"],
    )
    assert target.inspections_in(2026) == 1
    assert "回避对象" in OFFICER_COLUMNS
