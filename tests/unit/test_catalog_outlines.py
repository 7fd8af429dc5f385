"""Grid outlines (网格轮廓) in the catalogue's files: carried by XLSX, CSV and JSON, bad GeoJSON named by its
cell, and a cell longer than Excel holds refused on export rather than cut."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest

from contracts.geo import GeoPolygon, feature_collection
from services.catalog.domain.items import GridSpec
from services.catalog.domain.library import CatalogueLoad
from services.catalog.sheets import FileFormat, FormRejected, Library, RowError, read_file, write_file
from services.catalog.sheets.form import GRIDS_SHEET, MAX_CELL, OUTLINE_COLUMN
from tests.unit.test_catalog_sheets import good_form, workbook

RING = [(123.91, 47.35), (123.915, 47.35), (123.915, 47.354), (123.91, 47.354), (123.91, 47.35)]
HOLE = [(123.912, 47.351), (123.913, 47.351), (123.913, 47.352), (123.912, 47.351)]
OUTLINE = GeoPolygon(coordinates=[RING, HOLE])


def read(data: bytes, file_format: FileFormat) -> CatalogueLoad:
    return read_file(data, file_format, note="网格轮廓", library=Library()).load


def form_with_grids(*rows: list[Any]) -> bytes:
    return workbook(good_form() | {GRIDS_SHEET: [["网格编码", "所属街道", OUTLINE_COLUMN], *rows]})


def errors_of(data: bytes, file_format: FileFormat = FileFormat.XLSX) -> list[RowError]:
    with pytest.raises(FormRejected) as caught:
        read(data, file_format)
    return caught.value.errors


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_an_outline_with_a_hole_survives_every_format(file_format: FileFormat) -> None:
    load = read(form_with_grids(["wulong-wg001", "wulong", OUTLINE.model_dump_json()]), FileFormat.XLSX)

    again = read(write_file(load, file_format), file_format)

    assert again.grids == [GridSpec(grid_code="wulong-wg001", street_code="wulong", geometry=OUTLINE)]


def test_the_outline_is_written_as_compact_geojson_text() -> None:
    load = CatalogueLoad(note="n", grids=[GridSpec(grid_code="g1", street_code="s1", geometry=OUTLINE)])

    book = openpyxl.load_workbook(io.BytesIO(write_file(load, FileFormat.XLSX)))
    header, row = list(book[GRIDS_SHEET].values)
    rows = list(csv.DictReader(io.StringIO(write_file(load, FileFormat.CSV).decode("utf-8-sig"))))

    cell = row[header.index(OUTLINE_COLUMN)]
    assert " " not in cell
    assert json.loads(cell) == {"type": "Polygon", "coordinates": json.loads(cell)["coordinates"]}
    assert GeoPolygon.model_validate_json(cell) == OUTLINE
    assert [r[OUTLINE_COLUMN] for r in rows if r["表"] == GRIDS_SHEET] == [cell]


def test_a_grid_without_an_outline_reads_as_none_and_an_older_form_without_the_column_reads_too() -> None:
    older = workbook(good_form() | {GRIDS_SHEET: [["网格编码", "所属街道"], ["g1", "s1"]]})

    assert read(form_with_grids(["g1", "s1", ""]), FileFormat.XLSX).grids == [
        GridSpec(grid_code="g1", street_code="s1")
    ]
    assert read(older, FileFormat.XLSX).grids == [GridSpec(grid_code="g1", street_code="s1")]


def test_each_malformed_outline_is_a_row_error_naming_sheet_row_and_column() -> None:
    open_ring = json.dumps({"type": "Polygon", "coordinates": [RING[:-1]]})
    point = json.dumps({"type": "Point", "coordinates": [123.9, 47.3]})
    far = json.dumps({"type": "Polygon", "coordinates": [[[200, 47], [201, 47], [201, 48], [200, 47]]]})

    errors = errors_of(
        form_with_grids(
            ["g1", "s1", "{not json"],
            ["g2", "s1", open_ring],
            ["g3", "s1", point],
            ["g4", "s1", far],
            ["g5", "s1", OUTLINE.model_dump_json()],
        )
    )

    assert {(e.sheet, e.row, e.column) for e in errors} == {(GRIDS_SHEET, n, OUTLINE_COLUMN) for n in (2, 3, 4, 5)}
    assert "not GeoJSON" in errors[0].reason
    assert any("closed" in e.reason for e in errors if e.row == 3)
    assert any("longitude" in e.reason for e in errors if e.row == 5)


def test_a_malformed_outline_in_a_csv_names_its_row() -> None:
    load = CatalogueLoad(note="n", grids=[GridSpec(grid_code="g1", street_code="s1", geometry=OUTLINE)])
    text = write_file(load, FileFormat.CSV).decode("utf-8-sig").replace("Polygon", "MultiPolygon")

    errors = errors_of(text.encode(), FileFormat.CSV)

    assert [(e.sheet, e.row, e.column) for e in errors] == [(GRIDS_SHEET, 2, OUTLINE_COLUMN)]


def test_an_outline_longer_than_an_excel_cell_is_refused_on_export_naming_the_cell_and_json_still_exports() -> None:
    west, south = 123.9, 47.3
    ring = [(west + k * 1e-6, south + 0.123456789) for k in range(1200)] + [(west + 0.01, south), (west, south)]
    ring = [ring[-1], *ring]
    big = GeoPolygon(coordinates=[ring])
    assert len(big.model_dump_json()) > MAX_CELL
    load = CatalogueLoad(
        note="n",
        grids=[GridSpec(grid_code="g1", street_code="s1"), GridSpec(grid_code="g2", street_code="s1", geometry=big)],
    )

    for file_format in (FileFormat.XLSX, FileFormat.CSV):
        with pytest.raises(FormRejected) as caught:
            write_file(load, file_format)
        assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [(GRIDS_SHEET, 3, OUTLINE_COLUMN)]
        assert str(MAX_CELL) in caught.value.errors[0].reason
    assert read(write_file(load, FileFormat.JSON), FileFormat.JSON).grids == load.grids


def test_the_grids_as_a_feature_collection() -> None:
    collection = feature_collection(
        [GridSpec(grid_code="g1", street_code="wulong", geometry=OUTLINE), GridSpec(grid_code="g2", street_code="s")]
    )

    features: list[dict[str, Any]] = collection["features"]  # type: ignore[assignment]
    assert collection["type"] == "FeatureCollection"
    assert [(f["id"], f["properties"]["street_code"]) for f in features] == [("g1", "wulong"), ("g2", "s")]
    assert GeoPolygon.model_validate(features[0]["geometry"]) == OUTLINE
    assert features[1]["geometry"] is None
