"""The form as an Excel workbook (.xlsx), read and written with openpyxl.

Read within bounds, whatever the file declares: its parts may unzip to ``MAX_UNZIPPED_BYTES`` at most, a sheet's
declared ``<dimension>`` is ignored (openpyxl would otherwise pad every row to it: ``A1:XFD1048576`` is 17
billion cells), only the first ``MAX_COLUMNS`` columns are read, and a sheet holding data past ``MAX_ROWS`` is
refused. Parsing is CPU work: the service runs it in a worker thread, off the event loop.
"""

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
MAX_ROWS = 50_000
"""Rows a sheet may hold, the header included: a district's whole catalogue is a few thousand."""
MAX_COLUMNS = 64
"""Columns read; the form's widest sheet has 16, and nothing past this is one of its columns."""
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""What the workbook's parts may unzip to together (an upload is 20 MiB at most; XML compresses ~10:1)."""


_UNREADABLE = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError)


def read_xlsx(data: bytes) -> dict[str, Table]:
    """The form's sheets as tables; a file that is no workbook, or lacks a sheet or a column, is refused whole."""
    try:
        _check_unzipped_size(data)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as error:
        raise FormRejected([RowError(sheet="", reason=f"not an Excel workbook (.xlsx): {error}")]) from error
    try:
        return _tables(workbook)
    except _UNREADABLE as error:  # a part that unzips past its declared size or fails its CRC, found mid-sheet
        raise FormRejected([RowError(sheet="", reason=f"the workbook is damaged: {error}")]) from error
    finally:
        workbook.close()


def _check_unzipped_size(data: bytes) -> None:
    """The declared sizes bound what is unzipped: ``zipfile`` never reads a part past its declared size."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = sum(info.file_size for info in archive.infolist())
    if total > MAX_UNZIPPED_BYTES:
        reason = f"the workbook unzips to {total} bytes; at most {MAX_UNZIPPED_BYTES} are read"
        raise FormRejected([RowError(sheet="", reason=reason)])


def _tables(workbook: Any) -> dict[str, Table]:
    names = [str(name).strip() for name in workbook.sheetnames]
    absent = [name for name in REQUIRED_SHEETS if name not in names]
    if absent:
        reason = f"the workbook lacks sheet(s) {', '.join(absent)}; it has: {', '.join(names) or 'none'}"
        raise FormRejected([RowError(sheet=absent[0], reason=reason)])
    tables: dict[str, Table] = {}
    errors: list[RowError] = []
    for sheet in (name for name in HEADERS if name in names):
        rows = _bounded_rows(sheet, workbook.worksheets[names.index(sheet)])
        header = [header_name(value) for value in rows[0]] if rows else []
        if (problem := missing_columns(sheet, header)) is not None:
            errors.append(problem)
        tables[sheet] = table_of(sheet, header, [(n, list(values)) for n, values in enumerate(rows[1:], start=2)])
    if errors:
        raise FormRejected(errors)
    return tables


def _bounded_rows(sheet: str, worksheet: Any) -> list[tuple[Any, ...]]:
    """The sheet's rows, ``MAX_COLUMNS`` wide; its declared dimension is forgotten first, so there are only as
    many rows as were really written. openpyxl yields a row past ``MAX_ROWS`` only when the sheet writes one
    there (or further on, which it does not read): such a sheet is refused rather than silently cut."""
    worksheet.reset_dimensions()
    rows = list(worksheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True))
    if len(rows) > MAX_ROWS:
        reason = f"the sheet has rows past row {MAX_ROWS}; split the file"
        raise FormRejected([RowError(sheet=sheet, row=MAX_ROWS + 1, reason=reason)])
    return rows


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
