"""Write a catalogue as the form's tables: the exact inverse of reading, so an export imports unchanged."""

from __future__ import annotations

from contracts.events.catalog import DutyTask
from services.catalog.domain.items import GridSpec, ItemSpec
from services.catalog.domain.library import CatalogueLoad, ClauseSpec, LawSpec
from services.catalog.sheets.form import (
    GRIDS_SHEET,
    HEADERS,
    ITEMS_SHEET,
    LAW_KINDS,
    LAW_STATUSES,
    LAWS_SHEET,
    LIST_KINDS,
    MAX_CELL,
    ORG_KINDS,
    ORGS_SHEET,
    PARTIES,
    TIME_UNITS,
    clause_order,
    format_refs,
    word_for,
)
from services.catalog.sheets.table import RowError

Cell = str | int
Rows = list[list[Cell]]


def form_rows(load: CatalogueLoad) -> dict[str, Rows]:
    """Each sheet's data rows, in the column order of ``form.HEADERS``."""
    sheets: dict[str, Rows] = {
        ITEMS_SHEET: [row for item in sorted(load.items, key=lambda i: i.item_code) for row in _item_rows(item)],
        LAWS_SHEET: _law_rows(load.laws, load.clauses),
        ORGS_SHEET: [[o.code, o.name, word_for(ORG_KINDS, o.kind), o.parent_code or ""] for o in load.organisations],
        GRIDS_SHEET: [_grid_row(g) for g in load.grids],
    }
    return sheets


def _grid_row(grid: GridSpec) -> list[Cell]:
    outline = grid.geometry.model_dump_json() if grid.geometry is not None else ""  # compact: no spaces
    return [grid.grid_code, grid.street_code, outline]


def oversized_cells(sheets: dict[str, Rows]) -> list[RowError]:
    """Cells longer than Excel holds (``MAX_CELL``): written anyway, Excel would cut them and the file would no
    longer import as it was exported, so the export names each instead (a JSON export has no such limit)."""
    return [
        RowError(
            sheet=sheet,
            row=number,
            column=header,
            reason=f"{len(value)} characters; an Excel cell holds "
            f"{MAX_CELL} at most (export JSON, or simplify the outline)",
        )
        for sheet, rows in sheets.items()
        for number, row in enumerate(rows, start=2)
        for header, value in zip(HEADERS[sheet], row, strict=True)
        if isinstance(value, str) and len(value) > MAX_CELL
    ]


def _item_rows(item: ItemSpec) -> Rows:
    cells: list[Cell] = [
        item.item_code,
        item.name,
        word_for(LIST_KINDS, item.list_kind),
        item.domain,
        item.responsible_body,
        "、".join(item.co_operating_units),
        "、".join(item.street_codes),
        item.time_limit.value,
        word_for(TIME_UNITS, item.time_limit.unit),
        item.filing_conditions or "",
        item.closing_conditions or "",
        "\n".join(item.accountability),
        format_refs(item.legal_basis),
    ]
    return [cells + _task_cells(task) for task in item.tasks] or [[*cells, "", "", ""]]


def _task_cells(task: DutyTask) -> list[Cell]:
    return [word_for(PARTIES, task.party), task.text, format_refs(task.basis)]


def _law_rows(laws: list[LawSpec], clauses: list[ClauseSpec]) -> Rows:
    by_law: dict[str, list[ClauseSpec]] = {}
    for clause in clauses:
        by_law.setdefault(clause.law_id, []).append(clause)
    rows: Rows = []
    for law in sorted(laws, key=lambda law: law.law_id):
        head: list[Cell] = [
            law.law_id,
            law.title,
            word_for(LAW_KINDS, law.kind),
            law.issuer,
            law.effective_from.isoformat(),
            word_for(LAW_STATUSES, law.status),
        ]
        held = sorted(by_law.get(law.law_id, []), key=lambda c: clause_order(c.article, c.paragraph))
        rows += [[*head, c.article, c.paragraph, c.text] for c in held] or [[*head, "", "", ""]]
    return rows
