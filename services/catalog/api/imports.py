"""Routes to import the catalogue from a file and export it (清单导入导出)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from services.catalog.domain.door import Grounds
from services.catalog.service import imports as service
from services.catalog.sheets import FileFormat, RowError
from services.runtime.deps import Office, OfficeOrOperator, UowDep

router = APIRouter(tags=["catalogue import and export (清单导入导出)"])
MAX_UPLOAD = 20 * 1024 * 1024
GROUNDS = {
    name: f"{field.description} (widening street duties on a catalogue that has a version needs one of the two)"
    for name, field in Grounds.model_fields.items()
}


class ImportReport(BaseModel):
    version: int | None = Field(description="The new catalogue version, or null when nothing changed or was refused")
    diff: dict[str, list[str]] = Field(description="Items added and changed, grids mapped")
    errors: list[RowError] = Field(description="Every rejected row; when any, nothing was imported (422)")


@router.post(
    "/catalogue/import",
    status_code=201,
    response_model=ImportReport,
    responses={422: {"model": ImportReport, "description": "The file was refused; errors lists every bad row"}},
    summary="Import the catalogue from an XLSX form, a CSV or a JSON load, all or nothing; one that widens street "
    "duties cites an approved application or an emergency reason (form fields, or in a JSON load's body)",
)
async def import_catalogue(
    file: Annotated[UploadFile, File(description="事项与任务 + 法律依据 workbook (.xlsx), .csv or .json")],
    uow: UowDep,
    _: Office,
    application_id: Annotated[uuid.UUID | None, Form(description=GROUNDS["application_id"])] = None,
    emergency_reason: Annotated[
        str | None, Form(description=GROUNDS["emergency_reason"], pattern=r"\S", max_length=2000)
    ] = None,
) -> ImportReport | JSONResponse:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"files up to {MAX_UPLOAD} bytes")
    grounds = Grounds(application_id=application_id, emergency_reason=emergency_reason)
    try:
        outcome = await service.import_file(
            uow, data, filename=file.filename or "", content_type=file.content_type, grounds=grounds
        )
    except service.ImportRejected as rejected:
        report = ImportReport(version=None, diff={}, errors=rejected.errors)
        return JSONResponse(report.model_dump(mode="json"), status_code=422)
    return ImportReport(version=outcome.version, diff=outcome.diff, errors=[])


@router.get(
    "/catalogue/export",
    response_class=Response,
    responses={
        200: {"content": {f.media_type: {} for f in FileFormat}},
        422: {"model": ImportReport, "description": "A cell too long for XLSX or CSV (Excel's 32,767 characters)"},
    },
    summary="Export the catalogue in force (items, tasks, legal basis, organisations, grids) as a file",
)
async def export_catalogue(
    uow: UowDep,
    _: OfficeOrOperator,
    file_format: Annotated[FileFormat, Query(alias="format", description="xlsx, csv or json")] = FileFormat.XLSX,
) -> Response:
    try:
        export = await service.export_catalogue(uow, file_format)
    except service.ExportRejected as rejected:
        report = ImportReport(version=None, diff={}, errors=rejected.errors)
        return JSONResponse(report.model_dump(mode="json"), status_code=422)
    headers = {"Content-Disposition": attachment(export.filename)}
    return Response(export.content, media_type=export.file_format.media_type, headers=headers)


def attachment(filename: str) -> str:
    """RFC 6266: an ASCII fallback for old clients, and the UTF-8 name (清单-v3.xlsx) for every browser."""
    fallback = filename.encode("ascii", "ignore").decode().lstrip("-") or "catalogue"
    return f"attachment; filename=\"catalogue-{fallback}\"; filename*=UTF-8''{quote(filename)}"
