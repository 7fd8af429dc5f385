"""One row's cells, read into typed values, collecting a RowError for each bad cell instead of stopping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import TypeVar

from contracts.base import CODE_PATTERN
from services.enforcement.sheets.table import RowError

T = TypeVar("T")
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_ITEMS = re.compile(r"[;；\n]+")
_CODE = re.compile(CODE_PATTERN)


class Cells:
    def __init__(self, number: int, cells: Mapping[str, str], errors: list[RowError]) -> None:
        self.row, self.cells, self.errors = number, cells, errors
        self.ok = True

    def fail(self, column: str, reason: str) -> None:
        self.ok = False
        self.errors.append(RowError(row=self.row, column=column, reason=reason))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.cells.get(column, "")
        if required and not value:
            self.fail(column, "must not be empty")
        return value

    def code(self, column: str, *, required: bool = True) -> str:
        value = self.text(column, required=required)
        if value and not _CODE.match(value):
            self.fail(column, f"{value!r} is no code (letters, digits, - and _)")
        return value

    def codes(self, column: str) -> tuple[str, ...]:
        values = tuple(v for v in _SEPARATORS.split(self.text(column, required=False)) if v)
        for value in values:
            if not _CODE.match(value):
                self.fail(column, f"{value!r} is no code (letters, digits, - and _)")
        return values

    def words(self, column: str) -> tuple[str, ...]:
        return tuple(v for v in _SEPARATORS.split(self.text(column)) if v)

    def parts(self, column: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in _ITEMS.split(self.text(column, required=False)) if p.strip())

    def word(self, column: str, vocabulary: Mapping[str, T]) -> T | None:
        value = self.text(column)
        if value and value not in vocabulary:
            self.fail(column, f"{value!r} is not one of {'/'.join(vocabulary)}")
        return vocabulary.get(value)

    def whole(self, column: str) -> int:
        value = self.text(column)
        if value and not (value.isdigit() and int(value) > 0):
            self.fail(column, f"{value!r} is not a whole number above 0")
            return 0
        return int(value) if value else 0

    def permille(self, column: str) -> int:
        """30% or 30 → 300‰; 5‰ → 5; at most 100%."""
        value = self.text(column).replace("％", "%")
        try:
            number = float(value[:-1]) if value.endswith("‰") else float(value.rstrip("%")) * 10
        except ValueError:
            self.fail(column, f"{value!r} is not a ratio (write 30% or 5‰)")
            return 0
        if not 0 <= number <= 1000:
            self.fail(column, f"{value!r} is not between 0 and 100%")
        return round(number)

    def day(self, column: str, text: str) -> date | None:
        normal = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        try:
            return date(*(int(part) for part in normal.strip().split("-")))
        except (TypeError, ValueError):
            self.fail(column, f"{text!r} is not a date (write 2026-06-01 or 2026年6月1日)")
            return None
