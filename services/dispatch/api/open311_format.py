"""Open311 GeoReport v2 documents in JSON and XML, and how a case reads as a service request."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from fastapi import Response

from services.dispatch.domain import CaseStatus
from services.dispatch.domain.case import Case, Task
from services.dispatch.domain.records import StatusChange

STATUSES: dict[str, tuple[str, ...]] = {
    "open": (
        CaseStatus.REPORTED,
        CaseStatus.DISPATCHED,
        CaseStatus.ARBITRATION,
        CaseStatus.HANDLED,
        CaseStatus.VERIFIED,
    ),
    "closed": (CaseStatus.NOT_ACCEPTED, CaseStatus.CLOSED, CaseStatus.RATED),
}
"""The spec's two statuses over the finer lifecycle, which ``linkage_status`` carries beside them."""
CHILD_TAGS = {"attributes": "attribute", "values": "value", "formats": "format"}


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Formatted:
    """A document: JSON is ``body`` as is; XML is ``<root>`` holding one ``<item>`` per element."""

    root: str
    item: str | None
    body: Any
    status: int


def render(document: Formatted, fmt: str) -> Response:
    if fmt == "xml":
        return Response(_xml(document), status_code=document.status, media_type="text/xml; charset=utf-8")
    text = json.dumps(document.body, ensure_ascii=False)
    return Response(text, status_code=document.status, media_type="application/json; charset=utf-8")


COARSE_DIGITS = 3
"""Decimal places of a public request's lat/long: 0.001° is about 100 m, a block rather than a doorstep."""


def request_of(case: Case, primary: Task | None, names: dict[str, str], *, inside: bool) -> dict[str, Any]:
    """A case as a GeoReport v2 service request, the fine lifecycle beside the standard fields.

    Outside (``inside`` False: no key, or a key not of the office, the case's street or its assignees) a request
    shows its public fields only: status, service, dates, the block it lies in and the public status note (the
    typed outcome or the refusal). The reporter's description, the address, the exact place and the street's
    closing note stay inside: a citizen's report may name people and doorsteps.
    """
    closed = case.status in STATUSES["closed"]
    if inside:
        notes = case.refusal or (f"{case.outcome}: {case.closing_note}" if case.outcome else None)
        place = {"address": case.address, "lat": case.lat, "long": case.long}
    else:
        notes = case.outcome or _public_note(case)
        place = {"address": None, "lat": _coarse(case.lat), "long": _coarse(case.long)}
    return {
        "service_request_id": str(case.id),
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": names.get(case.item_code, case.item_code),
        "service_code": case.item_code,
        "description": case.description if inside else None,
        "agency_responsible": primary.assignee_code if primary is not None else None,
        "service_notice": _notice(case, primary),
        "requested_datetime": case.reported_at.isoformat(),
        "updated_datetime": case.updated_at and case.updated_at.isoformat(),
        "expected_datetime": primary.due_at.isoformat() if primary is not None and primary.due_at else None,
        **place,
        "address_id": None,
        "zipcode": None,
        "media_url": None,
        "linkage_status": case.status,
        "linkage_outcome": case.outcome,
        "linkage_street_code": case.street_code,
    }


def _notice(case: Case, primary: Task | None) -> str | None:
    """What happens next (GeoReport's service_notice): who acts and by when, or that the office places it."""
    if case.status == CaseStatus.TRIAGE:
        return "待人工派遣: the office assigns this request by hand"
    if case.status in STATUSES["closed"] or primary is None:
        return None
    due = f" by {primary.due_at.isoformat()}" if primary.due_at else ""
    return f"办理中: {primary.assignee_code} handles it{due}"


def _public_note(case: Case) -> str | None:
    """The office writes its refusal out of triage for the reporter; a routing rule's refusal stays inside."""
    if case.status == CaseStatus.TRIAGE:
        return "待人工派遣 awaiting dispatch by the office"
    if case.status != CaseStatus.NOT_ACCEPTED:
        return None
    return case.refusal if case.refused_by_office else "不予受理 not accepted"


def update_of(change: StatusChange, *, inside: bool) -> dict[str, Any]:
    """One status change in the update feed; ``update_id`` orders the feed and never changes. The step's
    description (who decided what, and why) is shown inside only."""
    entry, status = change.entry, change.status
    return {
        "update_id": str(entry.seq),
        "service_request_id": str(entry.case_id),
        "service_code": change.item_code,
        "status": "closed" if status in STATUSES["closed"] else "open",
        "linkage_status": status,
        "updated_datetime": entry.at.isoformat(),
        "action": entry.action,
        "description": entry.detail if inside else None,
    }


def _coarse(degrees: float | None) -> float | None:
    return None if degrees is None else round(degrees, COARSE_DIGITS)


def _xml(document: Formatted) -> bytes:
    root = ElementTree.Element(document.root)
    if document.item is None:
        _fill(root, document.body)
    else:
        for entry in document.body:
            _fill(ElementTree.SubElement(root, document.item), entry)
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>' + text


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = CHILD_TAGS.get(element.tag, "item")
        for child in value:
            _fill(ElementTree.SubElement(element, tag), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def uuid_of(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError as error:
        raise Open311Error(404, f"no service request {text.strip()}") from error


def date_of(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-02-13T09:30:00+08:00") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def positive_of(text: str | None, name: str, *, default: int, most: int) -> int:
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {most}")
    return int(text)


def statuses_of(text: str) -> list[str]:
    wanted = [s.strip() for s in text.split(",") if s.strip()]
    if unknown := [s for s in wanted if s not in STATUSES]:
        raise Open311Error(400, f"status must be open or closed, not {', '.join(unknown)}")
    return [fine for s in wanted for fine in STATUSES[s]]
