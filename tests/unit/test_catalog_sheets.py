"""The catalogue form (清单填报表) read and written: XLSX, CSV and JSON, every bad cell reported at once."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest

from contracts.base import TimeUnit
from contracts.events.catalog import ListKind, TaskParty
from services.catalog.domain.library import CatalogueLoad, LawKind
from services.catalog.sheets import (
    FileFormat,
    FormRejected,
    Library,
    RowError,
    format_of,
    locate,
    read_file,
    write_file,
)
from services.catalog.sheets.form import HEADERS, chinese, clause_order, numeral, parse_refs
from tests.demo_catalogue import demo_load

ITEM_HEADER = list(HEADERS["事项与任务"])
LAW_HEADER = list(HEADERS["法律依据"])
LAW = ["L001", "黑龙江省城市市容和环境卫生管理条例", "法规", "黑龙江省人民代表大会常务委员会", datetime(2019, 1, 1)]
ITEM = ["GX-001", "门前三包责任制落实", "共性", "城市管理", "cgj", "scjg、wulong", "", 5, "工作日"]
ITEM += ["群众反映门前三包问题", "整改到位", "推诿扯皮的；不按清单履职的", "L001 第九条"]
POWER_TAIL = ["", "", "", "L001 第十条", "街道", "依法查处占道经营", ""]


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_form() -> dict[str, list[list[Any]]]:
    return {
        "事项与任务": [
            ITEM_HEADER,
            [*ITEM, "部门", "制定门前三包工作规范", "L001 第九条第二款"],
            ["", *[None] * 12, "街道任务", "开展门前三包日常巡查", "L001 第九条；L001 第十条"],  # merged item cells
            ["GX-002", "占道经营处罚", "行政权力清单", "城市管理", "cgj", "", "wulong", 24, "工作时", *POWER_TAIL],
        ],
        "法律依据": [
            [*LAW_HEADER[:5], "条", "款", "条文内容"],  # an older form without 状态
            [*LAW, "第九条", "", "城市人民政府市容环境卫生行政主管部门负责本行政区域内的市容环境卫生工作。"],
            [*LAW, "第九条", "第二款", "街道办事处负责本辖区的市容环境卫生工作。"],
            [*LAW, "第十条", "", "任何单位和个人都应当维护城市市容和环境卫生。"],
        ],
    }


def read(data: bytes, file_format: FileFormat = FileFormat.XLSX, library: Library | None = None) -> CatalogueLoad:
    return read_file(data, file_format, note="第一轮部门报送", library=library or Library()).load


def rejected(data: bytes, file_format: FileFormat = FileFormat.XLSX, **library: Any) -> list[RowError]:
    with pytest.raises(FormRejected) as caught:
        read_file(data, file_format, note="x", library=Library(**library))
    return caught.value.errors


def where(errors: list[RowError]) -> set[tuple[str, int | None, str | None]]:
    return {(e.sheet, e.row, e.column) for e in errors}


def test_a_filled_form_reads_into_one_load_with_chinese_kept() -> None:
    load = read(workbook(good_form()))

    first, second = load.items
    assert (first.item_code, first.name, first.list_kind, first.domain) == (
        "GX-001",
        "门前三包责任制落实",
        "common",
        "城市管理",
    )
    assert first.co_operating_units == ("scjg", "wulong")
    assert (first.time_limit.value, first.time_limit.unit) == (5, TimeUnit.WORKING_DAY)
    assert first.accountability == ("推诿扯皮的", "不按清单履职的")
    assert [(t.party, t.text) for t in first.tasks] == [
        (TaskParty.DEPARTMENT, "制定门前三包工作规范"),
        (TaskParty.STREET, "开展门前三包日常巡查"),
    ]
    assert [(r.article, r.paragraph) for r in first.tasks[1].basis] == [("第九条", None), ("第十条", None)]
    assert first.tasks[0].basis[0].paragraph == "第二款"
    assert first.legal_basis[0].law_title == "黑龙江省城市市容和环境卫生管理条例"
    assert second.list_kind is ListKind.POWER
    assert second.street_codes == ("wulong",)
    assert second.time_limit.unit is TimeUnit.WORKING_HOUR
    assert [law.kind for law in load.laws] == [LawKind.REGULATION]
    assert str(load.laws[0].effective_from) == "2019-01-01"
    assert [(c.article, c.paragraph) for c in load.clauses] == [("第九条", ""), ("第九条", "第二款"), ("第十条", "")]


def test_every_bad_cell_is_reported_with_sheet_row_and_column() -> None:
    form = good_form()
    items, laws = form["事项与任务"], form["法律依据"]
    items[1][2] = "大清单"  # unknown list kind
    items[1][7] = "五天"  # no number
    items[2][13] = "居委会"  # unknown party
    items[2][15] = "L001 第九十九条"  # not in the library
    items[3][1] = ""  # no name
    items[3][12] = "L404 第一条；乱写"  # unknown law, and not a reference
    items.append(["GX-001", *items[1][1:]])  # the first item again, apart from its rows
    laws.append([*LAW, "第十条", "", "另一种写法"])  # the same clause twice
    for row in laws[1:]:
        row[4] = "去年"  # no date

    errors = rejected(workbook(form))

    assert where(errors) == {
        ("事项与任务", 2, "清单类型"),
        ("事项与任务", 2, "办理时限"),
        ("事项与任务", 3, "任务主体"),
        ("事项与任务", 4, "事项名称"),
        ("事项与任务", 4, "事项依据"),
        ("事项与任务", 5, "事项编码"),
        ("法律依据", 2, "施行日期"),
        ("法律依据", 5, "条"),
    }
    assert sum(e.column == "事项依据" for e in errors) == 2
    assert all(e.reason for e in errors)


def test_a_reference_to_a_missing_clause_names_the_task_row() -> None:
    form = good_form()
    form["事项与任务"][2][15] = "L001 第九十九条"

    errors = rejected(workbook(form))

    assert [(e.sheet, e.row, e.column) for e in errors] == [("事项与任务", 3, "任务依据")]
    assert "第九十九条" in errors[0].reason


def test_the_library_in_force_may_be_cited_and_repealed_clauses_may_not() -> None:
    form = good_form()
    form["法律依据"] = form["法律依据"][:1]
    form["事项与任务"][3][12] = "L9 第三条"
    held = {("L001", "第九条", ""): True, ("L001", "第九条", "第二款"): True, ("L001", "第十条", ""): True}
    held[("L9", "第三条", "")] = False

    errors = rejected(workbook(form), titles={"L001": "条例", "L9": "规章"}, clauses=held)

    assert [(e.row, e.column) for e in errors] == [(4, "事项依据")]
    assert "repealed" in errors[0].reason


def test_items_may_name_only_registered_organisations() -> None:
    errors = rejected(workbook(good_form()), organisations=frozenset({"cgj", "wulong"}))

    assert where(errors) == {("事项与任务", 2, "配合单位")}


def test_organisation_and_grid_sheets_are_read_when_present() -> None:
    form = good_form()
    form["组织机构"] = [
        ["编码", "名称", "类别", "上级编码"],
        ["wulong", "五龙街道", "街道", ""],
        ["cgj", "区城管局", "部门", ""],
    ]
    form["组织机构"] += [["scjg", "区市场监管局", "部门", None], ["wulong-sfs", "五龙司法所", "派驻机构", "sfj"]]
    form["网格"] = [["网格编码", "所属街道"], ["wulong-wg001", "wulong"], ["bad code", "wulong"]]

    errors = rejected(workbook(form))

    assert where(errors) == {("网格", 3, "网格编码")}
    form["网格"].pop()
    load = read(workbook(form))
    assert [o.name for o in load.organisations][-1] == "五龙司法所"
    assert [g.grid_code for g in load.grids] == ["wulong-wg001"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0 an old .xls", "not an Excel workbook"),
        (workbook({"Sheet1": [["a"]]}), "lacks sheet(s) 事项与任务, 法律依据"),
        (workbook({"事项与任务": [ITEM_HEADER[:3]], "法律依据": [LAW_HEADER]}), "lacks column(s): 领域, 责任主体"),
    ],
)
def test_a_malformed_file_gets_one_clear_error(data: bytes, reason: str) -> None:
    errors = rejected(data)

    assert len(errors) == 1
    assert reason in errors[0].reason


def test_load_positions_map_back_to_the_cells_they_came_from() -> None:
    origins = read_file(workbook(good_form()), FileFormat.XLSX, note="x", library=Library()).origins

    assert locate("items.0.tasks.1.basis", "r", origins, fallback_sheet="") == RowError(
        sheet="事项与任务", row=3, column="任务依据", reason="r"
    )
    assert locate("items.1.legal_basis", "r", origins, fallback_sheet="").row == 4
    assert locate("items.1.time_limit.unit", "r", origins, fallback_sheet="").column == "时限单位"
    assert locate("clauses.2.text", "r", origins, fallback_sheet="") == RowError(
        sheet="法律依据", row=4, column="条文内容", reason="r"
    )
    assert locate("note", "r", {}, fallback_sheet="json") == RowError(sheet="json", column="note", reason="r")


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_the_demo_catalogue_survives_every_format_unchanged(file_format: FileFormat) -> None:
    demo = demo_load()

    again = read(write_file(demo, file_format), file_format)

    assert {i.item_code: i for i in again.items} == {i.item_code: i for i in demo.items}
    assert len(again.items) == len(demo.items)
    assert again.laws == demo.laws
    assert sorted(c.key for c in again.clauses) == sorted(c.key for c in demo.clauses)
    assert {c.key: c.text for c in again.clauses} == {c.key: c.text for c in demo.clauses}
    assert (again.organisations, again.grids) == (demo.organisations, demo.grids)


def test_csv_is_one_table_in_utf8_with_a_bom_and_gb18030_reads_too() -> None:
    data = write_file(read(workbook(good_form())), FileFormat.CSV)

    assert data.startswith("\ufeff表,事项编码".encode())
    gbk = data.decode("utf-8-sig").encode("gb18030")
    assert read(gbk, FileFormat.CSV).items[0].name == "门前三包责任制落实"


def test_a_csv_without_the_sheet_column_holds_items_citing_the_library() -> None:
    lines = [",".join(ITEM_HEADER), ",".join(str(c) for c in ITEM) + ",部门,制定工作规范,"]
    library = Library(titles={"L001": "条例"}, clauses={("L001", "第九条", ""): True})

    load = read("\n".join(lines).encode(), FileFormat.CSV, library)

    assert [i.item_code for i in load.items] == ["GX-001"]
    assert load.items[0].legal_basis[0].law_title == "条例"


def test_a_bad_json_load_reports_each_path() -> None:
    errors = rejected(b'{"note": "", "items": [{"item_code": "a b"}]}', FileFormat.JSON)

    assert {"note", "items.0.item_code", "items.0.name"} <= {e.column for e in errors}
    assert {e.sheet for e in errors} == {"json"}


def test_the_format_comes_from_the_extension_then_the_content_type() -> None:
    assert format_of("清单.XLSX", "application/octet-stream") is FileFormat.XLSX
    assert format_of("upload", "text/csv; charset=utf-8") is FileFormat.CSV
    assert format_of("清单.xls", None) is None


def test_chinese_numerals_order_clauses_as_laws_number_them() -> None:
    assert [numeral(chinese(n)) for n in (1, 10, 12, 20, 105, 110, 1001)] == [1, 10, 12, 20, 105, 110, 1001]
    assert sorted(["第十条", "第二条", "第一百零一条"], key=lambda a: clause_order(a, "")) == [
        "第二条",
        "第十条",
        "第一百零一条",
    ]
    refs, problems = parse_refs("L1 第十二条第二款；L1第三条之一\nL2 第一条", {"L1": "法"})
    assert [(r.article, r.paragraph) for r in refs] == [("第十二条", "第二款"), ("第三条之一", None)]
    assert problems == ["law L2 is neither in the 法律依据 sheet nor in the library"]
