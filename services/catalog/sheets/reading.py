"""Read the form's tables into one ``CatalogueLoad``, collecting every bad cell before refusing the file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.events.catalog import DutyTask
from services.catalog.domain.items import GridSpec, ItemSpec
from services.catalog.domain.library import CatalogueLoad, ClauseSpec, LawSpec, LawStatus, OrgSpec
from services.catalog.sheets import checks
from services.catalog.sheets.form import (
    GRIDS_SHEET,
    ITEM_COLUMNS,
    ITEMS_SHEET,
    LAW_COLUMNS,
    LAW_KINDS,
    LAW_STATUSES,
    LAWS_SHEET,
    LIST_KINDS,
    ORG_KINDS,
    ORGS_SHEET,
    OUTLINE_COLUMN,
    PARTIES,
    TIME_UNITS,
    parse_refs,
    split_codes,
    split_lines,
)
from services.catalog.sheets.origins import (
    CLAUSE_FIELDS,
    GRID_FIELDS,
    ITEM_FIELDS,
    LAW_FIELDS,
    ORG_FIELDS,
    TASK_FIELDS,
    Origins,
    column_for,
)
from services.catalog.sheets.table import Cells, FormRejected, RowError, Table

M = TypeVar("M", bound=BaseModel)
LAW_ONLY = LAW_COLUMNS[:6]
"""Columns that describe the document, repeated on each of its clause rows."""


@dataclass(frozen=True)
class Library:
    """What the basis library and organisation register already hold: a form may cite them without
    repeating them."""

    titles: Mapping[str, str] = field(default_factory=dict)
    clauses: Mapping[tuple[str, str, str], bool] = field(default_factory=dict)
    organisations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Parsed:
    load: CatalogueLoad
    origins: Origins


@dataclass
class _Group:
    """The consecutive rows of one item (or one law): its first row states it, the others add tasks."""

    key: str
    rows: list[tuple[int, Mapping[str, str]]]


def read_form(tables: Mapping[str, Table], *, note: str, library: Library) -> Parsed:
    errors: list[RowError] = []
    origins: Origins = {}
    laws, clauses, named = _laws(tables[LAWS_SHEET], errors, origins)
    orgs = _orgs(tables.get(ORGS_SHEET, Table(ORGS_SHEET)), errors, origins)
    grids = _grids(tables.get(GRIDS_SHEET, Table(GRIDS_SHEET)), errors, origins)
    titles = {**library.titles, **named}
    items = _items(tables[ITEMS_SHEET], titles, errors, origins)
    checks.check_citations(items, {c.key: True for c in clauses} | dict(library.clauses), origins, errors)
    checks.check_parties(items, library.organisations | {o.code for o in orgs}, origins, errors)
    if errors:
        raise FormRejected(sorted(errors, key=lambda e: (e.sheet != ITEMS_SHEET, e.sheet, e.row or 0)))
    load = CatalogueLoad(note=note, laws=laws, clauses=clauses, organisations=orgs, items=items, grids=grids)
    return Parsed(load=load, origins=origins)


def _valid(model: type[M], data: dict[str, Any], cells: Cells, fields: dict[str, str]) -> M | None:
    if not cells.ok:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        for problem in invalid.errors():
            cells.fail(column_for(fields, problem["loc"]), problem["msg"])
        return None


def _groups(table: Table, key: str, shared: tuple[str, ...], errors: list[RowError]) -> list[_Group]:
    """Rows by their key; a blank key continues the row above (merged cells), and repeated cells must agree."""
    groups: list[_Group] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        code = cells.get(key, "") or (groups[-1].key if groups else "")
        row = Cells(table.sheet, number, cells, errors)
        if not code:
            row.fail(key, "must not be empty")
        elif groups and code == groups[-1].key:
            first = groups[-1].rows[0]
            for column in shared:
                if cells.get(column) and cells[column] != first[1].get(column, ""):
                    row.fail(column, f"differs from row {first[0]}, where {code} starts")
            groups[-1].rows.append((number, cells))
        elif code in seen:
            row.fail(key, f"{code} already appears in row {seen[code]}: keep its rows together")
        else:
            seen[code] = number
            groups.append(_Group(code, [(number, cells)]))
    return groups


def _laws(
    table: Table, errors: list[RowError], origins: Origins
) -> tuple[list[LawSpec], list[ClauseSpec], dict[str, str]]:
    """Documents, their clauses, and the title of every document named (a bad date on a law's row must not
    turn each citation of it into one more error)."""
    laws: list[LawSpec] = []
    named: dict[str, str] = {}
    clauses: list[ClauseSpec] = []
    keys: dict[tuple[str, str, str], int] = {}
    for group in _groups(table, "依据编号", LAW_ONLY, errors):
        number, first = group.rows[0]
        named[group.key] = first.get("名称") or group.key
        law = _law(Cells(LAWS_SHEET, number, {**first, "依据编号": group.key}, errors))
        if law is not None:
            origins[f"laws.{len(laws)}"] = number
            laws.append(law)
        for number, cells in group.rows:
            row = Cells(LAWS_SHEET, number, {**cells, "依据编号": group.key}, errors)
            if not (cells.get("条") or cells.get("款") or cells.get("条文内容")):
                continue  # a document the library holds without clause texts
            clause = _clause(row)
            if clause is not None and clause.key in keys:
                row.fail("条", f"this clause is already on row {keys[clause.key]}")
            elif clause is not None:
                keys[clause.key] = number
                origins[f"clauses.{len(clauses)}"] = number
                clauses.append(clause)
    return laws, clauses, named


def _law(row: Cells) -> LawSpec | None:
    data = {
        "law_id": row.text("依据编号"),
        "title": row.text("名称"),
        "kind": row.word("类别", LAW_KINDS),
        "issuer": row.text("制定机关"),
        "effective_from": row.day("施行日期"),
        "status": row.word("状态", LAW_STATUSES, required=False) or LawStatus.IN_FORCE,
    }
    return _valid(LawSpec, data, row, LAW_FIELDS)


def _clause(row: Cells) -> ClauseSpec | None:
    data = {
        "law_id": row.text("依据编号"),
        "article": row.text("条"),
        "paragraph": row.text("款", required=False),
        "text": row.text("条文内容"),
    }
    return _valid(ClauseSpec, data, row, CLAUSE_FIELDS)


def _items(table: Table, titles: Mapping[str, str], errors: list[RowError], origins: Origins) -> list[ItemSpec]:
    items: list[ItemSpec] = []
    for group in _groups(table, "事项编码", ITEM_COLUMNS[1:], errors):
        tasks = [_task(Cells(ITEMS_SHEET, n, cells, errors), titles) for n, cells in group.rows]
        number, first = group.rows[0]
        row = Cells(ITEMS_SHEET, number, {**first, "事项编码": group.key}, errors)
        item = _item(row, titles, [t for t in tasks if isinstance(t, DutyTask)])
        if item is None or any(t is False for t in tasks):
            continue
        index = len(items)
        origins[f"items.{index}"] = number
        task_rows = [n for (n, _), t in zip(group.rows, tasks, strict=True) if t is not None]
        origins |= {f"items.{index}.tasks.{k}": n for k, n in enumerate(task_rows)}
        items.append(item)
    return items


def _task(row: Cells, titles: Mapping[str, str]) -> DutyTask | bool | None:
    """The row's task; None when the row states none, False when its task cells are bad."""
    if not (row.text("任务主体", required=False) or row.text("任务内容", required=False)):
        return None
    party = row.word("任务主体", PARTIES)
    text = row.text("任务内容")
    basis, problems = parse_refs(row.text("任务依据", required=False), titles)
    for problem in problems:
        row.fail("任务依据", problem)
    task = _valid(DutyTask, {"party": party, "text": text, "basis": basis}, row, TASK_FIELDS)
    return False if task is None else task


def _item(row: Cells, titles: Mapping[str, str], tasks: list[Any]) -> ItemSpec | None:
    value, unit = row.number("办理时限"), row.word("时限单位", TIME_UNITS)
    basis, problems = parse_refs(row.text("事项依据", required=False), titles)
    for problem in problems:
        row.fail("事项依据", problem)
    data = {
        "item_code": row.text("事项编码"),
        "name": row.text("事项名称"),
        "list_kind": row.word("清单类型", LIST_KINDS),
        "domain": row.text("领域"),
        "responsible_body": row.text("责任主体"),
        "co_operating_units": split_codes(row.text("配合单位", required=False)),
        "street_codes": split_codes(row.text("适用街道", required=False)),
        "time_limit": {"value": value, "unit": unit},
        "filing_conditions": row.text("立案条件", required=False) or None,
        "closing_conditions": row.text("结案条件", required=False) or None,
        "accountability": split_lines(row.text("问责情形", required=False)),
        "legal_basis": basis,
        "tasks": tasks,
    }
    return _valid(ItemSpec, data, row, ITEM_FIELDS)


def _orgs(table: Table, errors: list[RowError], origins: Origins) -> list[OrgSpec]:
    orgs: list[OrgSpec] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = Cells(ORGS_SHEET, number, cells, errors)
        code = row.text("编码")
        if code in seen:
            row.fail("编码", f"{code} is already on row {seen[code]}")
        data = {
            "code": code,
            "name": row.text("名称"),
            "kind": row.word("类别", ORG_KINDS),
            "parent_code": row.text("上级编码", required=False) or None,
        }
        if (org := _valid(OrgSpec, data, row, ORG_FIELDS)) is not None:
            seen[code] = number
            origins[f"organisations.{len(orgs)}"] = number
            orgs.append(org)
    return orgs


def _grids(table: Table, errors: list[RowError], origins: Origins) -> list[GridSpec]:
    grids: list[GridSpec] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = Cells(GRIDS_SHEET, number, cells, errors)
        code = row.text("网格编码")
        if code in seen:
            row.fail("网格编码", f"{code} is already on row {seen[code]}")
        data = {"grid_code": code, "street_code": row.text("所属街道"), "geometry": _outline(row)}
        if (grid := _valid(GridSpec, data, row, GRID_FIELDS)) is not None:
            seen[code] = number
            origins[f"grids.{len(grids)}"] = number
            grids.append(grid)
    return grids


def _outline(row: Cells) -> Any:
    """轮廓: the cell's GeoJSON text as data for ``GridSpec`` to check; None when empty, and a row error (the
    grid then left out) when the text is no JSON at all."""
    text = row.text(OUTLINE_COLUMN, required=False)
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        row.fail(OUTLINE_COLUMN, f'not GeoJSON text: {error}; write e.g. {{"type":"Polygon","coordinates":[...]}}')
        return None
