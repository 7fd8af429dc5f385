"""A sheet as the readers hand it over: header text and rows of cell text, each row with the number Excel
shows for it; and the row-level error every problem becomes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from services.catalog.sheets.form import HEADERS, OPTIONAL_COLUMNS, SYNONYMS, choices

T = TypeVar("T")


class RowError(BaseModel):
    """One rejected cell (or row, or file): where Excel shows it, and why."""

    sheet: str = Field(description="Sheet name (表), or 'json' for a JSON load")
    row: int | None = Field(default=None, description="Row number as Excel shows it (the header is row 1)")
    column: str | None = Field(default=None, description="Header text of the column, or the JSON path")
    reason: str = Field(description="What is wrong")


class FormRejected(Exception):
    """The file cannot be loaded; ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s), first: {errors[0].reason if errors else '-'}")
        self.errors = errors


@dataclass
class Table:
    sheet: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def cell_text(value: Any) -> str:
    """Cells arrive as text, numbers or dates; the form reads them all as text (dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 5 as 5.0 and codes like 1001 as numbers
    return str(value).strip()


def header_name(value: Any) -> str:
    """Headers as offices write them: ``事项编码*`` or ``事项编码（必填）`` is still 事项编码."""
    return cell_text(value).rstrip("*＊").removesuffix("（必填）").removesuffix("(必填)").strip()


def missing_columns(sheet: str, headers: list[str]) -> RowError | None:
    missing = [h for h in HEADERS[sheet] if h not in headers and h not in OPTIONAL_COLUMNS]
    if not missing:
        return None
    return RowError(sheet=sheet, row=1, reason=f"the header row lacks column(s): {', '.join(missing)}")


def table_of(sheet: str, header: list[str], rows: list[tuple[int, list[Any]]]) -> Table:
    """Rows as dicts by header; blank rows dropped (forms end with many)."""
    table = Table(sheet)
    for number, values in rows:
        cells = {name: cell_text(v) for name, v in zip(header, values, strict=False) if name}
        if any(cells.values()):
            table.rows.append((number, cells))
    return table


class Cells:
    """One row's cells, collecting a RowError for each bad one instead of stopping at the first."""

    def __init__(self, sheet: str, number: int, cells: Mapping[str, str], errors: list[RowError]) -> None:
        self.sheet, self.row, self.cells, self.errors = sheet, number, cells, errors
        self.ok = True

    def fail(self, column: str | None, reason: str) -> None:
        self.ok = False
        self.errors.append(RowError(sheet=self.sheet, row=self.row, column=column, reason=reason))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "must not be empty")
        return value

    def word(self, column: str, vocabulary: Mapping[str, T], *, required: bool = True) -> T | None:
        value = self.text(column, required=required)
        if not value:
            return None
        known = vocabulary.get(SYNONYMS.get(value, value))
        if known is None:
            self.fail(column, f"{value!r} is not one of {choices(vocabulary)}")
        return known

    def number(self, column: str) -> int | None:
        value = self.text(column)
        if value and not (value.isdigit() and int(value) > 0):
            self.fail(column, f"{value!r} is not a whole number above 0")
            return None
        return int(value) if value else None

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        normal = value.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        try:
            return date(*(int(part) for part in normal.split("-")))
        except (TypeError, ValueError):
            self.fail(column, f"{value!r} is not a date (write 2021-06-01 or 2021年6月1日)")
            return None
