"""Admission rules (职责准入): the automatic checks an application meets before any review. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.events.admission import ApplicationKind


class ApplicationStatus(StrEnum):
    """申请状态, in lifecycle order; review, consultation and decision join later."""

    SUBMITTED = "submitted"  # 已提交


class Flag(StrEnum):
    """自动审查标记: what the automatic checks found, for reviewers to weigh; a flag does not refuse."""

    DUPLICATE_OF_EXISTING = "duplicate_of_existing"  # 与现有事项重复
    READDS_RETIRED_ITEM = "readds_retired_item"  # 防转嫁: re-adding a duty the catalogue removed


@dataclass(frozen=True)
class KnownItem:
    """What admission knows of a catalogue item, projected from the catalogue's events."""

    item_code: str
    name: str | None  # None while only a retirement has been seen
    version: int
    retired: bool = False


@dataclass(frozen=True)
class Screening:
    """The automatic checks' verdict: ``refusal`` (with its reason) or the flags to record."""

    flags: tuple[Flag, ...] = ()
    refusal: str | None = None


def screen(*, kind: ApplicationKind, item_code: str, known: KnownItem | None) -> Screening:
    """自动审查: an add must not duplicate a live item; a change or removal needs a live item to act on."""
    held = known is not None and not known.retired
    if kind == ApplicationKind.ADD:
        if held:
            return Screening(flags=(Flag.DUPLICATE_OF_EXISTING,))
        if known is not None:
            return Screening(flags=(Flag.READDS_RETIRED_ITEM,))
        return Screening()
    if not held:
        return Screening(refusal=f"item {item_code} is not in the catalogue, so it cannot be {_verb(kind)}")
    return Screening()


def _verb(kind: ApplicationKind) -> str:
    return "changed" if kind == ApplicationKind.CHANGE else "removed"


@dataclass(frozen=True)
class SubmitApplication:
    """申请: a department asks to add, change or remove a duty on streets."""

    department_code: str
    kind: ApplicationKind
    item_code: str
    item_name: str
    reason: str
