"""Catalogue files read within bounds whatever they declare, and written so a spreadsheet never runs a cell
(issue 11): a dimension bomb, a part that unzips too far, rows past the cap, a CSV formula, a blank CSV line."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest

from services.catalog.sheets import FileFormat, FormRejected, write_file, xlsx_form
from tests.demo_catalogue import demo_load
from tests.unit.test_catalog_sheets import ITEM_HEADER, good_form, read, rejected, workbook


def rewritten(data: bytes, change: dict[str, tuple[str, str]]) -> bytes:
    """The workbook with a regular-expression substitution applied to the named parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            text = source.read(info.filename)
            if info.filename in change:
                pattern, replacement = change[info.filename]
                text, count = re.subn(pattern.encode(), replacement.encode(), text)
                assert count == 1, f"{pattern} not found in {info.filename}"
            target.writestr(info.filename, text)
    return out.getvalue()


def first_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return min(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet"))


def test_a_declared_dimension_of_the_whole_grid_reads_only_the_cells_written() -> None:
    honest = workbook(good_form())
    bomb = rewritten(honest, {first_sheet(honest): (r'<dimension ref="[^"]*" ?/>', '<dimension ref="A1:XFD1048576"/>')})

    tracemalloc.start()
    try:
        load = read(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert load == read(honest)
    assert peak < 30 * 1024 * 1024  # padded to its dimension, the sheet would be 17 billion cells


def test_a_sheet_writing_a_row_past_the_cap_is_refused_without_reading_up_to_it() -> None:
    honest = workbook(good_form())
    far_row = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    far = rewritten(honest, {first_sheet(honest): ("</sheetData>", far_row)})

    errors = rejected(far)

    assert [(e.sheet, e.row) for e in errors] == [("事项与任务", xlsx_form.MAX_ROWS + 1)]
    assert "split the file" in errors[0].reason


def test_a_workbook_unzipping_past_the_cap_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    data = workbook(good_form())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    monkeypatch.setattr(xlsx_form, "MAX_UNZIPPED_BYTES", unzipped - 1)

    errors = rejected(data)

    assert len(errors) == 1
    assert f"unzips to {unzipped} bytes" in errors[0].reason


FORMULAS = ('=HYPERLINK("http://evil","点我")', "+1+2", "-3", "@SUM(A1)", "\t=1", "\r=1")


def test_csv_export_guards_every_formula_and_the_file_still_imports_unchanged() -> None:
    demo = demo_load()
    first = demo.items[0]
    task = first.tasks[0].model_copy(update={"text": FORMULAS[1]})
    tricky = first.model_copy(
        update={
            "name": FORMULAS[0],
            "domain": FORMULAS[2],
            "filing_conditions": FORMULAS[3],
            "closing_conditions": FORMULAS[4],
            "accountability": (FORMULAS[5].strip(),),
            "tasks": (task, *first.tasks[1:]),
        }
    )
    load = demo.model_copy(update={"items": [tricky, *demo.items[1:]]})

    text = write_file(load, FileFormat.CSV).decode("utf-8-sig")

    cells = [cell for line in text.split("\r\n") for cell in line.split(",")]
    assert not [cell for cell in cells if cell.lstrip('"').startswith(("=", "+", "-", "@", "\t", "\r"))]
    for guarded in ("'=HYPERLINK", "'+1+2", "'-3", "'@SUM(A1)", "'\t=1"):
        assert guarded in text
    again = read(text.encode("utf-8"), FileFormat.CSV)
    read_back = tricky.model_copy(update={"closing_conditions": "=1"})  # a form's cells are read stripped
    assert {i.item_code: i for i in again.items}[first.item_code] == read_back


def test_a_csv_with_blank_lines_reads_as_without_them() -> None:
    data = write_file(read(workbook(good_form())), FileFormat.CSV).decode("utf-8-sig")
    lines = data.split("\r\n")
    with_blanks = "\r\n".join([lines[0], "", *lines[1:3], "", ",,,", *lines[3:], ""])

    assert read(with_blanks.encode(), FileFormat.CSV) == read(data.encode(), FileFormat.CSV)


def test_a_csv_that_is_no_csv_is_refused_with_a_row_error() -> None:
    header = ",".join(ITEM_HEADER)

    errors = rejected(f'{header}\nGX-001,"{"长" * 200_000}",x\n'.encode(), FileFormat.CSV)  # past csv's field limit

    assert len(errors) == 1
    assert errors[0].row == 2
    assert "not a CSV file" in errors[0].reason


def test_reading_refuses_a_file_it_cannot_bound_rather_than_raising_anything_else() -> None:
    with pytest.raises(FormRejected):
        read(b"PK\x05\x06" + b"\0" * 18)
