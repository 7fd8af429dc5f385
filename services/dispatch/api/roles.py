"""Who may call what, and the acting organisation a token stands for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.dispatch.service import Actor
from services.runtime.auth import Principal, require

Office = Annotated[Principal, Depends(require("office", "operator"))]
Assignee = Annotated[Principal, Depends(require("department", "street", "agency", "office", "operator"))]
Street = Annotated[Principal, Depends(require("street", "office"))]
Reporter = Annotated[Principal, Depends(require("smartcity", "office"))]
OfficeOnly = Annotated[Principal, Depends(require("office"))]

ASSIGNEE_KINDS = ("department", "street", "agency")


def actor_of(principal: Principal, *kinds: str) -> Actor:
    """The office (and operators) act for everyone; a scoped role acts for its own codes only."""
    name = f"{principal.subject} ({', '.join(sorted(principal.roles))})"
    if principal.has("office") or principal.has("operator"):
        return Actor(name)
    scopes: frozenset[str] = frozenset()
    for kind in kinds or ASSIGNEE_KINDS:
        scopes |= principal.scopes(kind)
    return Actor(name, scopes)
