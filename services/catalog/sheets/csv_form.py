"""The form as one CSV file: a ``表`` column names the sheet each row belongs to.

One file, not two, so that a CSV travels (and round-trips) as a single upload like the workbook does. A CSV
without the ``表`` column holds 事项与任务 rows only and cites laws already in the library. Written as UTF-8
with a BOM so that Excel opens the Chinese text right; read as UTF-8 or, failing that, GB18030 (what Excel
on a Chinese Windows saves).

Export neutralises cells a spreadsheet would run as a formula (CSV injection): a text cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written with a leading ``'``, which Excel and LibreOffice show
as text; import takes that one ``'`` off again, so an export still imports unchanged.
"""

from __future__ import annotations

import csv
import io

from services.catalog.sheets.form import HEADERS, ITEMS_SHEET, SHEET_COLUMN
from services.catalog.sheets.table import FormRejected, RowError, Table, header_name, missing_columns, table_of
from services.catalog.sheets.writing import Rows

MEDIA_TYPE = "text/csv; charset=utf-8"
COLUMNS = (SHEET_COLUMN, *dict.fromkeys(h for headers in HEADERS.values() for h in headers))
MAX_ROWS = 50_000
"""Rows a CSV may hold, as the workbook (``xlsx_form.MAX_ROWS``)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet treat a cell as a formula (OWASP's CSV injection list)."""


def read_csv(data: bytes) -> dict[str, Table]:
    records = _records(_decode(data))
    if not records:
        raise FormRejected([RowError(sheet=ITEMS_SHEET, row=1, reason="the file is empty")])
    header = [header_name(value) for value in records[0]]
    by_sheet: dict[str, list[tuple[int, list[str]]]] = {name: [] for name in HEADERS}
    errors: list[RowError] = []
    at = header.index(SHEET_COLUMN) if SHEET_COLUMN in header else None
    for number, values in enumerate(records[1:], start=2):
        if not any(value.strip() for value in values):
            continue  # a blank line (csv gives []) or a row of empty cells: nothing to read
        sheet = (values[at].strip() if at < len(values) else "") if at is not None else ITEMS_SHEET
        if sheet in by_sheet:
            by_sheet[sheet].append((number, values))
        else:
            errors.append(RowError(sheet=sheet, row=number, column=SHEET_COLUMN, reason=f"no sheet {sheet!r}"))
    for sheet in [ITEMS_SHEET] + [s for s in HEADERS if s != ITEMS_SHEET and by_sheet[s]]:
        if (problem := missing_columns(sheet, header)) is not None:
            errors.append(problem)
    if errors:
        raise FormRejected(errors)
    return {sheet: table_of(sheet, header, rows) for sheet, rows in by_sheet.items()}


def _records(text: str) -> list[list[str]]:
    """The file's rows, each cell with export's ``'`` guard taken off; a file that is no CSV is refused whole."""
    records: list[list[str]] = []
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            if len(records) > MAX_ROWS:
                raise FormRejected([RowError(sheet="", row=len(records) + 1, reason=f"more than {MAX_ROWS} rows")])
            records.append([_unguarded(value) for value in values])
    except csv.Error as error:  # a NUL byte, a cell past the csv module's field limit
        raise FormRejected([RowError(sheet="", row=len(records) + 1, reason=f"not a CSV file: {error}")]) from error
    return records


def _guarded(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _unguarded(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


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
                line[position] = _guarded(value)
            writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
