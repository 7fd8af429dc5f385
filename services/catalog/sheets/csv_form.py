"""The form as one CSV file: a ``表`` column names the sheet each row belongs to.

One file, not two, so that a CSV travels (and round-trips) as a single upload like the workbook does. A CSV
without the ``表`` column holds 事项与任务 rows only and cites laws already in the library. Written as UTF-8
with a BOM so that Excel opens the Chinese text right; read as UTF-8 or, failing that, GB18030 (what Excel
on a Chinese Windows saves).
"""

from __future__ import annotations

import csv
import io

from services.catalog.sheets.form import HEADERS, ITEMS_SHEET, SHEET_COLUMN
from services.catalog.sheets.table import FormRejected, RowError, Table, header_name, missing_columns, table_of
from services.catalog.sheets.writing import Rows

MEDIA_TYPE = "text/csv; charset=utf-8"
COLUMNS = (SHEET_COLUMN, *dict.fromkeys(h for headers in HEADERS.values() for h in headers))


def read_csv(data: bytes) -> dict[str, Table]:
    records = list(csv.reader(io.StringIO(_decode(data), newline="")))
    if not records:
        raise FormRejected([RowError(sheet=ITEMS_SHEET, row=1, reason="the file is empty")])
    header = [header_name(value) for value in records[0]]
    by_sheet: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in HEADERS}
    errors: list[RowError] = []
    for number, values in enumerate(records[1:], start=2):
        sheet = values[header.index(SHEET_COLUMN)].strip() if SHEET_COLUMN in header else ITEMS_SHEET
        if sheet in by_sheet:
            by_sheet[sheet].append((number, values))
        elif any(v.strip() for v in values):
            errors.append(RowError(sheet=sheet, row=number, column=SHEET_COLUMN, reason=f"no sheet {sheet!r}"))
    for sheet in [ITEMS_SHEET] + [s for s in HEADERS if s != ITEMS_SHEET and by_sheet[s]]:
        if (problem := missing_columns(sheet, header)) is not None:
            errors.append(problem)
    if errors:
        raise FormRejected(errors)
    return {sheet: table_of(sheet, header, rows) for sheet, rows in by_sheet.items()}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise FormRejected([RowError(sheet="", reason="the CSV is neither UTF-8 nor GB18030 text")]) from error


def write_csv(sheets: dict[str, Rows]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for sheet, rows in sheets.items():
        positions = [COLUMNS.index(h) for h in HEADERS[sheet]]
        for row in rows:
            line: list[object] = [""] * len(COLUMNS)
            line[0] = sheet
            for position, value in zip(positions, row, strict=True):
                line[position] = value
            writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
