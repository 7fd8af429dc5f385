"""一街一单: the rules of a street's own list. Pure: no I/O.

A street claims items (认领事项) into a revision of its list; the revision goes draft → submitted → approved
→ filed (备案) → published, or back to returned (退回, with comments) from any reviewed but unpublished
state, for the street to fix and resubmit. A published revision is never edited again: changing the list
opens the next revision as a draft, and the published one stays public until the next is published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from services.catalog.domain.items import ItemSpec
from services.runtime.errors import Conflict, Forbidden, Rejected


class Status(StrEnum):
    DRAFT = "draft"  # 草稿: the street is claiming items
    SUBMITTED = "submitted"  # 已报送: waiting for the office's review
    RETURNED = "returned"  # 已退回: the office sent it back with comments
    APPROVED = "approved"  # 审核通过
    FILED = "filed"  # 已备案
    PUBLISHED = "published"  # 已公布: on the portal, in the service hall, behind the QR code


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    FILE = "file"
    PUBLISH = "publish"


MOVES: Mapping[Action, tuple[frozenset[Status], Status]] = {
    Action.SUBMIT: (frozenset({Status.DRAFT, Status.RETURNED}), Status.SUBMITTED),
    Action.APPROVE: (frozenset({Status.SUBMITTED}), Status.APPROVED),
    # Until it is public the office may still send a list back, e.g. when an item it holds was retired.
    Action.RETURN: (frozenset({Status.SUBMITTED, Status.APPROVED, Status.FILED}), Status.RETURNED),
    Action.FILE: (frozenset({Status.APPROVED}), Status.FILED),
    Action.PUBLISH: (frozenset({Status.FILED}), Status.PUBLISHED),
}
"""action → (the statuses it may start from, the status it leads to): the whole workflow."""

EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
"""Where the street may still change its claims in place."""


@dataclass(frozen=True)
class StreetList:
    """One revision of a street's list (一街一单)."""

    street_code: str
    revision: int
    status: Status
    item_codes: tuple[str, ...]
    catalogue_version: int | None = None
    comments: str | None = None
    filing_no: str | None = None


@dataclass(frozen=True)
class PublishedRevision:
    """A street's revision as it went public (公布): filed, against a catalogue version, at a time."""

    street_code: str
    revision: int
    filing_no: str
    catalogue_version: int
    published_at: datetime
    item_codes: tuple[str, ...]


def move(current: StreetList, action: Action) -> Status:
    """The status ``action`` leads to, or a conflict naming the status that forbids it."""
    allowed, target = MOVES[action]
    if current.status not in allowed:
        raise Conflict(
            f"cannot {action} revision {current.revision} of {current.street_code}'s list while it is "
            f"{current.status} (only from {' or '.join(sorted(allowed))})",
            field="status",
        )
    return target


def claim(current: StreetList | None, street_code: str, item_codes: Sequence[str]) -> StreetList:
    """认领: set the items of the street's working revision, opening a new draft after a published one."""
    codes = tuple(item_codes)
    if current is None:
        return StreetList(street_code, 1, Status.DRAFT, codes)
    if current.status is Status.PUBLISHED:
        return StreetList(street_code, current.revision + 1, Status.DRAFT, codes)
    if current.status not in EDITABLE:
        raise Conflict(
            f"revision {current.revision} is {current.status}: claims change only in a draft or returned list",
            field="status",
        )
    return dataclasses.replace(current, item_codes=codes)


def reopen(current: StreetList | None, item_code: str, *, drop: bool, note: str) -> StreetList | None:
    """重新备案: after an approved admission the street's list opens again with the item added (or dropped), for
    the street to submit and the office to file. A list never claimed, or one in the office's hands (submitted,
    approved, filed), is left as it is: the office's review checks it against the catalogue in force anyway."""
    if current is None or not (current.status is Status.PUBLISHED or current.status in EDITABLE):
        return None
    if drop and item_code not in current.item_codes:
        return None
    codes = tuple(code for code in current.item_codes if code != item_code) + (() if drop else (item_code,))
    return dataclasses.replace(claim(current, current.street_code, codes), comments=note)


def submit(current: StreetList) -> StreetList:
    """报送: the street sends its claims for review; an empty list has nothing to review."""
    status = move(current, Action.SUBMIT)
    if not current.item_codes:
        raise Rejected("claim at least one item before submitting", field="item_codes")
    return dataclasses.replace(current, status=status)


def approve(current: StreetList, *, catalogue_version: int, comments: str | None = None) -> StreetList:
    """审核通过, against the catalogue version in force, which the filing and the published list then name."""
    status = move(current, Action.APPROVE)
    return dataclasses.replace(current, status=status, catalogue_version=catalogue_version, comments=comments)


def send_back(current: StreetList, *, comments: str) -> StreetList:
    """退回: the street must be told what to fix."""
    status = move(current, Action.RETURN)
    if not comments.strip():
        raise Rejected("a returned list needs comments telling the street what to fix", field="comments")
    return dataclasses.replace(
        current, status=status, comments=comments.strip(), catalogue_version=None, filing_no=None
    )


def file(current: StreetList, *, filing_no: str) -> StreetList:
    """备案: the office records the list under a filing number."""
    status = move(current, Action.FILE)
    if not filing_no.strip():
        raise Rejected("a filing needs a filing number (备案号)", field="filing_no")
    return dataclasses.replace(current, status=status, filing_no=filing_no.strip())


def publish(current: StreetList) -> StreetList:
    return dataclasses.replace(current, status=move(current, Action.PUBLISH))


def default_filing_no(street_code: str, revision: int, *, on: date) -> str:
    """The office's own numbering when it gives none: year, street, revision (e.g. 备2024-hongxing-3)."""
    return f"备{on.year}-{street_code}-{revision}"


def check_claims(
    street_code: str, item_codes: Sequence[str], *, in_force: Mapping[str, ItemSpec], known: Set[str]
) -> None:
    """A street claims items in force, each once; a differentiated item only when it names the street.

    ``known`` holds every code the catalogue ever held, so a retired item is told apart from a typo.
    The error names the position (``item_codes.<n>``).
    """
    seen: set[str] = set()
    for index, code in enumerate(item_codes):
        where = f"item_codes.{index}"
        if code in seen:
            raise Rejected(f"item {code} is claimed twice", field=where)
        seen.add(code)
        item = in_force.get(code)
        if item is None:
            state = "retired (已取消)" if code in known else "not in the catalogue"
            raise Rejected(f"item {code} is {state}: only items in force can be claimed", field=where)
        if item.street_codes and street_code not in item.street_codes:
            raise Rejected(f"item {code} ({item.name}) does not apply to street {street_code}", field=where)


def check_acts_for(street_code: str, streets: Set[str]) -> None:
    """A street acts on its own list only."""
    if street_code not in streets:
        acting = ", ".join(sorted(streets)) or "no street"
        raise Forbidden(f"you act for {acting}, not {street_code}", field="street_code", location="path")
