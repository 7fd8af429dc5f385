"""Register files as tables: XLSX (first sheet) or CSV (UTF-8 or GB18030), a header row then one row per entry,
and the row-level error every problem becomes. The same approach as the catalogue's form import (openpyxl,
Excel's row numbers, every problem reported, nothing half-imported)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import BaseModel, Field


class RowError(BaseModel):
    """One rejected cell, row or file: where Excel shows it, and why."""

    row: int | None = Field(default=None, description="Row number as Excel shows it (the header is row 1)")
    column: str | None = Field(default=None, description="Header text of the column")
    reason: str = Field(description="What is wrong")


class FileRejected(Exception):
    """The file cannot be imported; ``errors`` lists every problem found, not just the first."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s), first: {errors[0].reason if errors else '-'}")
        self.errors = errors


@dataclass(frozen=True)
class Sheet:
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def read_sheet(data: bytes, filename: str) -> Sheet:
    rows = _xlsx_rows(data) if filename.lower().endswith(".xlsx") else _csv_rows(data)
    if not rows:
        raise FileRejected([RowError(row=1, reason="the file is empty")])
    header = tuple(cell_text(v).rstrip("*＊").removesuffix("（必填）").strip() for v in rows[0])
    body = []
    for number, values in enumerate(rows[1:], start=2):
        cells = {name: cell_text(v) for name, v in zip(header, values, strict=False) if name}
        if any(cells.values()):
            body.append((number, cells))
    return Sheet(header, tuple(body))


def _xlsx_rows(data: bytes) -> list[tuple[Any, ...]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileRejected([RowError(reason=f"not an Excel workbook (.xlsx): {error}")]) from error
    try:
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[tuple[Any, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # what Excel on a Chinese Windows saves
        except UnicodeDecodeError as error:
            raise FileRejected([RowError(reason="the CSV is neither UTF-8 nor GB18030 text")]) from error
    return [tuple(record) for record in csv.reader(io.StringIO(text, newline=""))]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
