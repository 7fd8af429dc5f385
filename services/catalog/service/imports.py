"""清单导入导出: load a file as one new catalogue version (all of it or none), and export the catalogue in force in
the same formats."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.catalog.domain.door import NO_GROUNDS, Grounds
from services.catalog.domain.library import CatalogueLoad
from services.catalog.service.items import VersionOutcome, load_catalogue
from services.catalog.sheets import (
    JSON_SHEET,
    FileFormat,
    FormRejected,
    Library,
    RowError,
    format_of,
    locate,
    read_file,
    write_file,
)
from services.catalog.store.items import CatalogStore
from services.catalog.store.library import LibraryStore
from services.runtime.errors import Rejected
from services.runtime.uow import UnitOfWork


class ImportRejected(Rejected):
    """The file was refused whole; ``errors`` names every rejected row (sheet, row, column, reason)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was imported", field="file")
        self.errors = errors


class ExportRejected(Rejected):
    """The catalogue cannot be written in this format; ``errors`` names each cell it cannot hold."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} cell(s) too long for this format; export JSON instead", field="format")
        self.errors = errors


@dataclass(frozen=True)
class Export:
    content: bytes
    file_format: FileFormat
    filename: str


async def import_file(
    uow: UnitOfWork, data: bytes, *, filename: str, content_type: str | None, grounds: Grounds = NO_GROUNDS
) -> VersionOutcome:
    """导入清单: read the file against the library in force, then load it in one transaction, through the door
    (``domain.door``) like any load. ``grounds`` given with the upload stand for the file's (a JSON load may
    carry its own)."""
    file_format = format_of(filename, content_type)
    if file_format is None:
        reason = f"cannot tell the format of {filename!r}: upload a .xlsx, .csv or .json file"
        raise ImportRejected([RowError(sheet="", reason=reason)])
    try:
        library, note = await _library(uow), f"导入 {filename}"[:500]
        # Parsing a workbook is seconds of CPU for a big one: a worker thread keeps the service answering.
        parsed = await asyncio.to_thread(read_file, data, file_format, note=note, library=library)
    except FormRejected as rejected:
        raise ImportRejected(rejected.errors) from rejected
    try:
        return await load_catalogue(uow, _with(parsed.load, grounds))
    except Rejected as rejected:  # a rule only the transaction sees (e.g. a cycle with the register in force)
        fallback = JSON_SHEET if file_format is FileFormat.JSON else ""
        where = locate(rejected.field, rejected.message, parsed.origins, fallback_sheet=fallback)
        raise ImportRejected([where]) from rejected


def _with(load: CatalogueLoad, grounds: Grounds) -> CatalogueLoad:
    given = grounds.model_dump(exclude_none=True)
    return load.model_copy(update=given) if given else load


async def _library(uow: UnitOfWork) -> Library:
    """What a form may cite without restating it: the library's documents, clauses and organisations."""
    async with uow:
        store = uow.repository(LibraryStore)
        titles = await store.law_titles()
        held = await store.clause_status(set(titles))
        return Library(titles=titles, clauses=held, organisations=frozenset(await store.organisation_codes()))


async def export_catalogue(uow: UnitOfWork, file_format: FileFormat) -> Export:
    """导出清单: the catalogue in force with its library, organisations and grids, ready to import again."""
    async with uow:
        load, version = await _in_force(uow)
    name = f"清单-v{version}.{file_format.value}"
    try:
        content = await asyncio.to_thread(write_file, load, file_format)
    except FormRejected as rejected:
        raise ExportRejected(rejected.errors) from rejected
    return Export(content=content, file_format=file_format, filename=name)


async def _in_force(uow: UnitOfWork) -> tuple[CatalogueLoad, int]:
    store, library = uow.repository(CatalogStore), uow.repository(LibraryStore)
    version = await store.latest_version()
    items = await store.items_in_force()
    load = CatalogueLoad(
        note=f"导出：清单第{version}版",
        laws=await library.all_laws(),
        clauses=await library.all_clauses(),
        organisations=await library.all_organisations(),
        items=[items[code] for code in sorted(items)],
        grids=await store.all_grids(),
    )
    return load, version
