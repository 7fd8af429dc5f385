"""Which items a street is dispatched (一街一单): its published list, and what may cover an item off it.

A street with a published list gets only the items on it, unless an approved admission (职责准入) or an open
whistle (吹哨) covers the item there. A street with no published list yet falls back to the streets the
catalogue item names (none named: a district-wide duty). Pure: the list and the covers are handed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class CoverKind(StrEnum):
    ADMISSION = "admission"  # 准入: the committee approved adding or changing the duty for the street
    WHISTLE = "whistle"  # 吹哨: the street summoned departments on a case of the item, still open


@dataclass(frozen=True)
class StreetList:
    """一街一单 as published after filing (备案); the newest revision wins."""

    street_code: str
    revision: int
    item_codes: frozenset[str]
    filing_no: str


@dataclass(frozen=True)
class Cover:
    """Something that lets a street be dispatched an item off its list."""

    kind: CoverKind
    ref: str  # the application id or the whistle id
    note: str

    def describe(self) -> str:
        if self.kind is CoverKind.ADMISSION:
            return f"approved admission {self.ref} (准入) covers it: {self.note}"
        return f"open whistle {self.ref} (吹哨) on the street covers it: {self.note}"


@dataclass(frozen=True)
class StreetVerdict:
    allowed: bool
    rule: str  # which rule decided, and why, in words for the routing reason and the timeline


def street_verdict(
    *,
    item_code: str,
    street: str,
    street_list: StreetList | None,
    item_streets: Sequence[str],
    version: int,
    covers: Sequence[Cover] = (),
) -> StreetVerdict:
    """Whether ``street`` may be dispatched ``item_code``, naming the rule that decided."""
    if street_list is not None:
        filed = f"r{street_list.revision}, 备案 {street_list.filing_no}"
        rule = f"street-list rule (一街一单): street {street}'s published list ({filed})"
        if item_code in street_list.item_codes:
            return StreetVerdict(True, f"{rule} holds item {item_code}")
        return _covered_or_refused(f"{rule} does not hold item {item_code}", covers)
    rule = f"item-streets rule (street {street} has no published list yet): catalogue v{version} of item {item_code}"
    if not item_streets:
        return StreetVerdict(True, f"{rule} is a district-wide duty")
    if street in item_streets:
        return StreetVerdict(True, f"{rule} names street {street}")
    return _covered_or_refused(f"{rule} names streets {', '.join(item_streets)}, not {street}", covers)


def _covered_or_refused(rule: str, covers: Sequence[Cover]) -> StreetVerdict:
    if covers:
        return StreetVerdict(True, f"{rule}, but {covers[0].describe()}")
    return StreetVerdict(False, f"{rule}, and no approved admission or open whistle covers it")
