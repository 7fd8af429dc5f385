"""Where each part of a load came from: load positions (``items.3.tasks.1``) back to sheet, row and column,
so that a rule the service enforces (``Rejected(field="items.3.legal_basis")``) reaches the office as the
cell it has to fix."""

from __future__ import annotations

from collections.abc import Sequence

from services.catalog.sheets.form import GRIDS_SHEET, ITEMS_SHEET, LAWS_SHEET, ORGS_SHEET, OUTLINE_COLUMN
from services.catalog.sheets.table import RowError

ITEM_FIELDS = {
    "item_code": "事项编码",
    "name": "事项名称",
    "list_kind": "清单类型",
    "domain": "领域",
    "responsible_body": "责任主体",
    "co_operating_units": "配合单位",
    "street_codes": "适用街道",
    "time_limit": "办理时限",
    "time_limit.unit": "时限单位",
    "filing_conditions": "立案条件",
    "closing_conditions": "结案条件",
    "accountability": "问责情形",
    "legal_basis": "事项依据",
}
TASK_FIELDS = {"party": "任务主体", "text": "任务内容", "basis": "任务依据"}
LAW_FIELDS = {
    "law_id": "依据编号",
    "title": "名称",
    "kind": "类别",
    "issuer": "制定机关",
    "effective_from": "施行日期",
    "status": "状态",
}
CLAUSE_FIELDS = {"law_id": "依据编号", "article": "条", "paragraph": "款", "text": "条文内容"}
ORG_FIELDS = {"code": "编码", "name": "名称", "kind": "类别", "parent_code": "上级编码"}
GRID_FIELDS = {"grid_code": "网格编码", "street_code": "所属街道", "geometry": OUTLINE_COLUMN}
SECTIONS = {
    "items": (ITEMS_SHEET, ITEM_FIELDS),
    "laws": (LAWS_SHEET, LAW_FIELDS),
    "clauses": (LAWS_SHEET, CLAUSE_FIELDS),
    "organisations": (ORGS_SHEET, ORG_FIELDS),
    "grids": (GRIDS_SHEET, GRID_FIELDS),
}

Origins = dict[str, int]
"""Load position (``items.3``, ``items.3.tasks.1``, ``clauses.7``…) → the row it was read from."""


def column_for(fields: dict[str, str], path: Sequence[object]) -> str | None:
    """The header for a field path: the longest prefix the form names (``time_limit.unit`` → 时限单位)."""
    parts = [str(p) for p in path]
    for cut in range(len(parts), 0, -1):
        if (name := fields.get(".".join(parts[:cut]))) is not None:
            return name
    return None


def locate(field: str | None, reason: str, origins: Origins, *, fallback_sheet: str) -> RowError:
    """Turn a load field (as ``Rejected`` names it) into the sheet, row and column it came from."""
    parts = (field or "").split(".")
    for cut in range(len(parts), 0, -1):
        key = ".".join(parts[:cut])
        if key in origins and parts[0] in SECTIONS:
            sheet, fields = SECTIONS[parts[0]]
            fields = TASK_FIELDS if cut == 4 and parts[2] == "tasks" else fields
            return RowError(sheet=sheet, row=origins[key], column=column_for(fields, parts[cut:]), reason=reason)
    return RowError(sheet=fallback_sheet, column=field, reason=reason)
