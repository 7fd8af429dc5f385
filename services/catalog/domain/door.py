"""唯一入口 (the only door): no street duty (街道职责) widens except through an approved admission application
(准入), or through the emergency path (紧急情况), which is recorded and flagged to the standing committee
(区委常委会议). Pure: no I/O.

The rule compares each incoming item with the one in force (``widenings``). It widens street duties when

- it is new (or re-added after retirement) and carries a street task or names streets (``street_codes``);
- it gains a street task: a street task whose text is not among the street tasks in force (a department task
  turned into a street task, or a street task reworded, counts too: the text is the duty);
- it reaches more streets: a street code not named before, or an empty ``street_codes`` (every street) where
  it named some, while it carries a street task.

Narrowing (dropping street tasks or streets) and changes to department tasks, names, time limits or legal
basis pass: a law change's adjustment (一对一调整) that re-cites a task is no widening. A change that widens
passes only on grounds (``Grounds``): ``application_id`` of an approval the catalogue applied, for that item,
whose approved item covers the widening; or ``emergency_reason``. The first load into an empty catalogue (no
version yet) is the district's founding list (首次建立清单) and passes freely.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from contracts.base import MAX_ITEMS
from contracts.events.catalog import TaskParty
from services.catalog.domain.items import ItemSpec
from services.runtime.errors import Rejected

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Grounds(BaseModel):
    """Why a change may widen street duties: an approved application (准入), or an emergency with its reason."""

    application_id: uuid.UUID | None = Field(
        default=None, description="An approved admission application the catalogue applied, for the widened item"
    )
    emergency_reason: Reason | None = Field(
        default=None,
        description="紧急情况: why street duties widen without an approved application; audited, marked in the "
        "version's diff and flagged to the standing committee (catalog.emergency.recorded.v1)",
    )


NO_GROUNDS = Grounds()  # nothing cited: the default where grounds are optional (an import, an adjustment)
EMERGENCY_MARK = "emergency"  # the key of a version's diff that marks it as made on the emergency path


@dataclass(frozen=True)
class Approval:
    """An admission approval the catalogue applied: the application, its item, and the item as approved."""

    application_id: uuid.UUID
    item_code: str
    approved_at: datetime
    item: ItemSpec | None  # None for a removal


@dataclass(frozen=True)
class Widening:
    """One way an incoming item widens street duties; ``where`` is the field inside the item (``tasks.1``)."""

    item_code: str
    where: str
    what: str


@dataclass(frozen=True)
class Proposed:
    """An incoming item, where the request holds it (``items.0`` or ``item``), and the item in force."""

    at: str
    item: ItemSpec
    in_force: ItemSpec | None


class PassedBy(StrEnum):
    """How a change passed the door; the version's diff says so for all but ``nothing``."""

    NOTHING = "nothing"  # no widening (narrowing or department-only), or none cited
    FOUNDING = "founding"  # 首次建立清单: the first version
    APPLICATION = "application"  # 准入: an approved application covers it
    EMERGENCY = "emergency"  # 紧急情况: audited and flagged to the committee


@dataclass(frozen=True)
class Passage:
    """What the door let through, and on which grounds."""

    by: PassedBy
    widened: tuple[Widening, ...] = ()
    application_id: uuid.UUID | None = None
    reason: str | None = None

    def marks(self) -> dict[str, list[str]]:
        """What the version's diff records of it: the application cited, or the emergency and what it widened."""
        marks: dict[str, list[str]] = {}
        if self.application_id is not None:
            marks["application"] = [str(self.application_id)]
        if self.by is PassedBy.EMERGENCY and self.reason is not None:
            marks[EMERGENCY_MARK] = [self.reason]
            marks["widened"] = sorted({w.item_code for w in self.widened})
        return marks


def street_tasks(item: ItemSpec) -> list[tuple[int, str]]:
    """The item's street tasks (街道职责任务), each with its index among the item's tasks."""
    return [(n, task.text) for n, task in enumerate(item.tasks) if task.party is TaskParty.STREET]


def widenings(incoming: ItemSpec, in_force: ItemSpec | None) -> list[Widening]:
    """Every way ``incoming`` widens street duties against ``in_force`` (None: the item is not in force)."""
    if in_force is None:
        return _new_item(incoming)
    return _gained_tasks(incoming, in_force) + _streets(incoming, in_force)


def _gained_tasks(incoming: ItemSpec, in_force: ItemSpec) -> list[Widening]:
    held = {text for _, text in street_tasks(in_force)}
    found = [(n, text) for n, text in street_tasks(incoming) if text not in held]
    return [Widening(incoming.item_code, f"tasks.{n}", f"new street task {text!r}") for n, text in found]


def _new_item(item: ItemSpec) -> list[Widening]:
    found = [Widening(item.item_code, f"tasks.{n}", f"street task {text!r}") for n, text in street_tasks(item)]
    if item.street_codes:
        found.append(Widening(item.item_code, "street_codes.0", f"names streets {', '.join(item.street_codes)}"))
    return found


def _streets(incoming: ItemSpec, in_force: ItemSpec) -> list[Widening]:
    """More streets: a code not named before, or every street (empty) where some were named, with street tasks."""
    if not in_force.street_codes or not street_tasks(incoming):
        return []  # it already reached every street, or it carries no street task to widen
    if not incoming.street_codes:
        return [Widening(incoming.item_code, "street_codes", "reaches every street, not only the streets named")]
    before = set(in_force.street_codes)
    return [
        Widening(incoming.item_code, f"street_codes.{n}", f"reaches street {code}")
        for n, code in enumerate(incoming.street_codes)
        if code not in before
    ]


def check_grounds(grounds: Grounds, approval: Approval | None, proposed: Sequence[Proposed]) -> None:
    """A citation must be good whether or not it is needed: an approval the catalogue holds, for an item here."""
    if grounds.application_id is not None and grounds.emergency_reason is not None:
        raise Rejected("cite an approved application or an emergency reason, not both", field="emergency_reason")
    if grounds.application_id is not None:
        _check_approval(grounds.application_id, approval, {p.item.item_code for p in proposed})


def _check_approval(cited: uuid.UUID, approval: Approval | None, codes: set[str]) -> None:
    if approval is None:
        message = f"the catalogue holds no approved admission application {cited} (准入未通过或未生效)"
        raise Rejected(message, field="application_id")
    if approval.item_code not in codes:
        message = f"application {cited} approved item {approval.item_code}, not an item here"
        raise Rejected(message, field="application_id")


def pass_door(grounds: Grounds, approval: Approval | None, proposed: Sequence[Proposed], *, founding: bool) -> Passage:
    """准入把关: let the change through, or refuse it whole with a 422 naming the first widening field not covered."""
    check_grounds(grounds, approval, proposed)
    widened = tuple(w for p in proposed for w in widenings(p.item, p.in_force))
    if founding or not widened:
        by = PassedBy.FOUNDING if founding else PassedBy.NOTHING
        return Passage(by, widened, application_id=grounds.application_id)
    if grounds.emergency_reason is not None:
        return _emergency(grounds.emergency_reason, widened)
    for p in proposed:
        _refuse_uncovered(p, approval)
    return Passage(PassedBy.APPLICATION, widened, application_id=grounds.application_id)


def _emergency(reason: str, widened: tuple[Widening, ...]) -> Passage:
    if len({w.item_code for w in widened}) > MAX_ITEMS:  # what the committee's event can name
        raise Rejected(f"an emergency widens at most {MAX_ITEMS} items at once", field="emergency_reason")
    return Passage(PassedBy.EMERGENCY, widened, reason=reason)


def _refuse_uncovered(proposed: Proposed, approval: Approval | None) -> None:
    """What widens against the item in force and is not within the approved item needs an application."""
    approved = approval.item if approval is not None and approval.item_code == proposed.item.item_code else None
    beyond = None if approved is None else {w.where for w in widenings(proposed.item, approved)}
    for widening in widenings(proposed.item, proposed.in_force):
        if beyond is None or widening.where in beyond:
            raise Rejected(_needed(proposed, widening), field=f"{proposed.at}.{widening.where}")


def _needed(proposed: Proposed, widening: Widening) -> str:
    kind = "add" if proposed.in_force is None else "change"
    return (
        f"item {widening.item_code}: {widening.what} widens street duties (扩大街道职责); this needs an approved "
        f"admission application (准入) to {kind} item {widening.item_code}, cited as application_id, "
        "or an emergency_reason (紧急情况, flagged to the standing committee)"
    )
