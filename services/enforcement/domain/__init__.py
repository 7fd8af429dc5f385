"""Joint-enforcement rules ("1+2+N" 联合执法): the power list matters rest on (here), the registers, the
verifiable draw, joint visits and results (in the modules beside it). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from contracts.events.catalog import ListKind


@dataclass(frozen=True)
class PowerListEntry:
    """A catalogue item as enforcement knows it, projected from the catalogue's events.

    ``listed`` says whether the item is on the power list (行政权力清单) now. An item whose newest
    version left that list, or was retired, stays as an unlisted entry so that an older version
    arriving late cannot put it back.
    """

    item_code: str
    name: str | None  # None while only a retirement has been seen
    version: int
    listed: bool


def entry_for(*, item_code: str, name: str, list_kind: ListKind, version: int) -> PowerListEntry:
    """The power-list entry one published catalogue item state makes."""
    return PowerListEntry(item_code=item_code, name=name, version=version, listed=list_kind == ListKind.POWER)


@dataclass(frozen=True)
class RegisterMatter:
    """登记抽查事项: put an inspection matter on the list (抽查事项清单) for a department."""

    item_code: str
    name: str
    department_code: str


def matter_refusal(item_code: str, entry: PowerListEntry | None) -> str | None:
    """Why a matter cannot rest on ``item_code``, or None: inspections only enforce listed powers."""
    if entry is None:
        return f"item {item_code} is not in the catalogue"
    if not entry.listed:
        return f"item {item_code} is not on the power list (行政权力清单) or was retired"
    return None
