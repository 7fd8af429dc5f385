"""Catalogue files: XLSX (the form), CSV (the form as one table) and JSON (a ``CatalogueLoad`` as is), from
bytes and back. Pure: the service hands in what the library holds and gets a load, or every problem."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePath

from pydantic import ValidationError

from services.catalog.domain.library import CatalogueLoad
from services.catalog.sheets import csv_form, xlsx_form
from services.catalog.sheets.reading import Library, Parsed, read_form
from services.catalog.sheets.table import FormRejected, RowError
from services.catalog.sheets.writing import form_rows, oversized_cells

JSON_SHEET = "json"


class FileFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return {"xlsx": xlsx_form.MEDIA_TYPE, "csv": csv_form.MEDIA_TYPE, "json": "application/json"}[self.value]


def format_of(filename: str | None, content_type: str | None) -> FileFormat | None:
    """By extension first (browsers send odd content types for .csv), then by content type."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in FileFormat.__members__.values():
        return FileFormat(suffix)
    kind = (content_type or "").split(";")[0].strip().lower()
    by_type = {xlsx_form.MEDIA_TYPE: FileFormat.XLSX, "text/csv": FileFormat.CSV, "application/json": FileFormat.JSON}
    return by_type.get(kind)


def read_file(data: bytes, file_format: FileFormat, *, note: str, library: Library) -> Parsed:
    """The load a file states; raises ``FormRejected`` with every problem found."""
    if file_format is FileFormat.JSON:
        return Parsed(load=_read_json(data), origins={})
    tables = xlsx_form.read_xlsx(data) if file_format is FileFormat.XLSX else csv_form.read_csv(data)
    return read_form(tables, note=note, library=library)


def _read_json(data: bytes) -> CatalogueLoad:
    try:
        return CatalogueLoad.model_validate_json(data)
    except ValidationError as invalid:
        errors = [
            RowError(sheet=JSON_SHEET, column=".".join(str(p) for p in e["loc"]) or None, reason=e["msg"])
            for e in invalid.errors()
        ]
        raise FormRejected(errors) from invalid


def write_file(load: CatalogueLoad, file_format: FileFormat) -> bytes:
    """The file; raises ``FormRejected`` naming each cell an XLSX or CSV cannot hold."""
    if file_format is FileFormat.JSON:
        return load.model_dump_json(indent=2, exclude_defaults=False).encode("utf-8")
    sheets = form_rows(load)
    if oversized := oversized_cells(sheets):
        raise FormRejected(oversized)
    return xlsx_form.write_xlsx(sheets) if file_format is FileFormat.XLSX else csv_form.write_csv(sheets)
