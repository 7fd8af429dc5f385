"""Who is scored (考评对象): streets (街道), district departments (区直部门) and dispatched agencies (派驻机构). Pure.

Dispatch's events name assignees by code only, so the kind is read from what the projection saw: a code that
is a case's street is a street; a code whose first or last part is a dispatched agency's kind (DOMAIN.md:
judicial office, market supervision office, urban management squad) is an agency, e.g. ``sfs-longsha`` or
the catalogue's ``wulong-sfs``; any other assignee is a department.
"""

from __future__ import annotations

from collections.abc import Collection

STREET, DEPARTMENT, AGENCY = "street", "department", "agency"
KIND_NAMES = {STREET: "街道 (street)", DEPARTMENT: "区直部门 (department)", AGENCY: "派驻机构 (dispatched agency)"}

AGENCY_KINDS: dict[str, str] = {
    "sfs": "司法所 (judicial office)",
    "scjgs": "市场监管所 (market supervision office)",
    "cgzd": "城管中队 (urban management squad)",
}
"""The dispatched agencies' kinds, by the first part of their codes."""


def kind_of(code: str, *, streets: Collection[str]) -> str:
    """The kind of organisation ``code`` is, given the street codes the projection has seen."""
    if code in streets:
        return STREET
    parts = code.replace("_", "-").split("-")
    return AGENCY if parts[0] in AGENCY_KINDS or parts[-1] in AGENCY_KINDS else DEPARTMENT
