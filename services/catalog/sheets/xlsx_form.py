"""The form as an Excel workbook (.xlsx), read and written with openpyxl."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from services.catalog.sheets.form import HEADERS, REQUIRED_SHEETS
from services.catalog.sheets.table import FormRejected, RowError, Table, header_name, missing_columns, table_of
from services.catalog.sheets.writing import Rows

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_xlsx(data: bytes) -> dict[str, Table]:
    """The form's sheets as tables; a file that is no workbook, or lacks a sheet or a column, is refused whole."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        reason = f"not an Excel workbook (.xlsx): {error}"
        raise FormRejected([RowError(sheet="", reason=reason)]) from error
    try:
        return _tables(workbook)
    finally:
        workbook.close()


def _tables(workbook: Any) -> dict[str, Table]:
    names = [str(name).strip() for name in workbook.sheetnames]
    absent = [name for name in REQUIRED_SHEETS if name not in names]
    if absent:
        reason = f"the workbook lacks sheet(s) {', '.join(absent)}; it has: {', '.join(names) or 'none'}"
        raise FormRejected([RowError(sheet=absent[0], reason=reason)])
    tables: dict[str, Table] = {}
    errors: list[RowError] = []
    for sheet in (name for name in HEADERS if name in names):
        rows = list(workbook.worksheets[names.index(sheet)].iter_rows(values_only=True))
        header = [header_name(value) for value in rows[0]] if rows else []
        if (problem := missing_columns(sheet, header)) is not None:
            errors.append(problem)
        tables[sheet] = table_of(sheet, header, [(n, list(values)) for n, values in enumerate(rows[1:], start=2)])
    if errors:
        raise FormRejected(errors)
    return tables


def write_xlsx(sheets: dict[str, Rows]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(list(HEADERS[name]))
        for row in rows:
            sheet.append(row)
        _dress(sheet, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _dress(sheet: Any, rows: Rows) -> None:
    """Bold frozen header, readable widths, and text kept as text: a cell starting with '=' must never
    become a formula in the office's Excel."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, title in enumerate(sheet[1], start=1):
        longest = max([len(str(title.value))] + [len(str(r[index - 1])) for r in rows[:200]])
        sheet.column_dimensions[title.column_letter].width = min(60, 4 + 2 * longest)
