"""The acting organisation a token stands for; who may call what is ``services.runtime.deps``'s role aliases,
one name per set of roles across the platform."""

from __future__ import annotations

from services.dispatch.service import Actor
from services.runtime.auth import Principal

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
