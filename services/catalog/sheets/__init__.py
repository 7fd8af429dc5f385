"""清单导入导出: the catalogue as the files offices exchange (XLSX form, CSV, JSON), read and written."""

from services.catalog.sheets.files import JSON_SHEET, FileFormat, format_of, read_file, write_file
from services.catalog.sheets.origins import locate
from services.catalog.sheets.reading import Library, Parsed
from services.catalog.sheets.table import FormRejected, RowError

__all__ = [
    "JSON_SHEET",
    "FileFormat",
    "FormRejected",
    "Library",
    "Parsed",
    "RowError",
    "format_of",
    "locate",
    "read_file",
    "write_file",
]
