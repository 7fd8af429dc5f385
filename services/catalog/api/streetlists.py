"""一街一单 routes: a street claims items and submits its list; the office reviews, files (备案) and publishes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN
from services.catalog.domain.streetlists import Status, StreetList, check_acts_for
from services.catalog.service import streetlists as service
from services.runtime.auth import Principal
from services.runtime.deps import Office, Street, StreetOrOffice, UowDep

router = APIRouter(prefix="/street-lists", tags=["street lists (一街一单)"])
StreetCode = Annotated[str, Path(pattern=CODE_PATTERN, description="Street (街道) code")]


async def _own_street(street_code: StreetCode, principal: Street) -> Principal:
    check_acts_for(street_code, principal.scopes("street"))
    return principal


async def _own_street_or_office(street_code: StreetCode, principal: StreetOrOffice) -> Principal:
    if not principal.has("office"):
        check_acts_for(street_code, principal.scopes("street"))
    return principal


OwnStreet = Annotated[Principal, Depends(_own_street)]
"""The street named in the path, acting for itself."""
OwnStreetOrOffice = Annotated[Principal, Depends(_own_street_or_office)]
"""The street named in the path, or the office."""


class StreetListPublic(BaseModel):
    street_code: str
    revision: int = Field(description="Revision of the street's list; a change after publication opens the next")
    status: Status = Field(description="draft, submitted, returned, approved, filed or published")
    item_codes: tuple[str, ...] = Field(description="Claimed items (认领事项)")
    catalogue_version: int | None = Field(description="Catalogue version the list was approved against")
    comments: str | None = Field(description="The office's review comments (审核意见)")
    filing_no: str | None = Field(description="Filing number (备案号)")

    @classmethod
    def of(cls, street_list: StreetList) -> StreetListPublic:
        return cls(**asdict(street_list))


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_codes: list[str] = Field(max_length=2000, description="The whole set of items the street claims, in order")


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "return"] = Field(description="审核通过 or 退回")
    comments: str | None = Field(default=None, max_length=4000, description="Required when returning")


class Filing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filing_no: str | None = Field(default=None, max_length=100, description="备案号; numbered for you when absent")


@router.get("", summary="Working revisions in a status, e.g. the office's review queue (待审核)")
async def in_status(
    uow: UowDep, _: Office, status: Annotated[Status, Query()] = Status.SUBMITTED
) -> list[StreetListPublic]:
    return [StreetListPublic.of(found) for found in await service.lists_in(uow, status)]


@router.get("/{street_code}", summary="The street's working revision")
async def get_list(street_code: StreetCode, uow: UowDep, _: OwnStreetOrOffice) -> StreetListPublic:
    return StreetListPublic.of(await service.working_list(uow, street_code))


@router.put("/{street_code}/items", summary="认领: set the claimed items (opens a new draft after publication)")
async def claim(street_code: StreetCode, payload: Claim, uow: UowDep, _: OwnStreet) -> StreetListPublic:
    return StreetListPublic.of(await service.claim_items(uow, street_code, payload.item_codes))


@router.post("/{street_code}/submit", summary="报送: send the list for the office's review")
async def submit(street_code: StreetCode, uow: UowDep, _: OwnStreet) -> StreetListPublic:
    return StreetListPublic.of(await service.submit_list(uow, street_code))


@router.post("/{street_code}/review", summary="审核: approve, or return with comments")
async def review(street_code: StreetCode, payload: Review, uow: UowDep, _: Office) -> StreetListPublic:
    approve = payload.decision == "approve"
    return StreetListPublic.of(await service.review_list(uow, street_code, approve=approve, comments=payload.comments))


@router.post("/{street_code}/file", summary="备案: file the approved list under a filing number")
async def file(street_code: StreetCode, payload: Filing, uow: UowDep, _: Office) -> StreetListPublic:
    return StreetListPublic.of(await service.file_list(uow, street_code, filing_no=payload.filing_no))


@router.post("/{street_code}/publish", summary="公布: publish the filed list (public page, QR code, event)")
async def publish(street_code: StreetCode, uow: UowDep, _: Office) -> StreetListPublic:
    return StreetListPublic.of(await service.publish_list(uow, street_code))
