"""The acting organisation a token stands for, and who reads a case's inside; who may call what is
``services.runtime.deps``'s role aliases, one name per set of roles across the platform.

Roles mean one thing each: the office (区委编办) acts and reads for every organisation; a department, street,
agency or grid worker (网格员) acts for its own codes only (a grid worker's tasks carry its worker code); an
operator runs the system (health, dead letters, sweeps) and never acts as an assignee nor reads a case's notes.
"""

from __future__ import annotations

from services.dispatch.domain.case import Case, Task
from services.dispatch.service import Actor
from services.runtime.auth import Principal
from services.runtime.errors import Forbidden

ASSIGNEE_KINDS = ("department", "street", "agency", "gridworker")


def actor_of(principal: Principal, *kinds: str) -> Actor:
    """The office acts for everyone; a scoped role acts for its own codes only, an operator for none."""
    name = f"{principal.subject} ({', '.join(sorted(principal.roles))})"
    if principal.has("office"):
        return Actor(name)
    return Actor(name, codes_of(principal, *kinds))


def assignee_of(principal: Principal) -> Actor:
    """Who answers a task (签收, 办结, 退回, 延期申请): the office for any assignee, else the token's own
    departments, streets, agencies or grid workers; a token with none of them (an operator's) is refused outright."""
    actor = actor_of(principal)
    if actor.scopes is not None and not actor.scopes:
        reason = (
            "an operator runs the system and answers no task: use a department, street, agency or grid worker token"
        )
        raise Forbidden(reason, field="Authorization", location="header")
    return actor


def codes_of(principal: Principal, *kinds: str) -> frozenset[str]:
    codes: frozenset[str] = frozenset()
    for kind in kinds or ASSIGNEE_KINDS:
        codes |= principal.scopes(kind)
    return codes


def reads_inside(principal: Principal | None, case: Case, primary: Task | None = None) -> bool:
    """Whether the caller reads the case's inside (its description, exact place, notes and timeline): the office,
    the case's street and its assignees (``primary`` stands for them where the case comes without its tasks)."""
    if principal is None:
        return False
    if principal.has("office"):
        return True
    assignees = {task.assignee_code for task in (*case.tasks, *([primary] if primary else []))}
    return bool(codes_of(principal) & {case.street_code, *assignees})
