"""FastAPI dependencies every service's routes use: the unit of work, the kit's parts, and who may call.

Each role alias names one set of role kinds (DESIGN.md's actors) and means that set in every service; a
service needing another set adds it here under a new name rather than reusing a name for different callers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.runtime.auth import Principal, Require, acting_role, optional_principal
from services.runtime.uow import UnitOfWork
from services.runtime.wired import KitDep, kit_of, provided, settings_of

__all__ = [
    "AdmissionParty",
    "CatalogueReader",
    "Committee",
    "Department",
    "KitDep",
    "Office",
    "OfficeOrOperator",
    "Operator",
    "Reporter",
    "Reviewer",
    "Staff",
    "StaffInCharge",
    "Street",
    "StreetOrOffice",
    "TaskHolder",
    "UowDep",
    "kit_of",
    "provided",
    "settings_of",
]


async def _uow(request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]) -> UnitOfWork:
    # The role is read when a row is audited: by then the route's Require has admitted the caller.
    return kit_of(request).uow(
        actor=principal.subject if principal else "anonymous", role=lambda: acting_role(request, principal)
    )


UowDep = Annotated[UnitOfWork, Depends(_uow)]
"""A fresh unit of work whose audit rows name the caller and the role it acted in."""

Office = Annotated[Principal, Depends(Require(("office",)))]
"""The organisation office (区委编办) alone."""
Operator = Annotated[Principal, Depends(Require(("operator",)))]
"""An operator: runs the system, never acts in the domain."""
Department = Annotated[Principal, Depends(Require(("department",)))]
"""A department (职能部门), scoped to its code."""
Street = Annotated[Principal, Depends(Require(("street",)))]
"""A street (街道), scoped to its code."""
OfficeOrOperator = Annotated[Principal, Depends(Require(("office", "operator")))]
"""The office, or an operator acting for everyone."""
StreetOrOffice = Annotated[Principal, Depends(Require(("street", "office")))]
"""A street for its own list or cases, or the office for any."""
Reporter = Annotated[Principal, Depends(Require(("smartcity", "office")))]
"""Who reports cases in: the smart-city centre (智慧城市) or the office."""
Staff = Annotated[Principal, Depends(Require(("office", "operator", "department", "street", "agency")))]
"""Everyone who works cases: whoever a task can be assigned to (部门、街道、驻街机构), the office and operators."""
TaskHolder = Annotated[
    Principal, Depends(Require(("office", "operator", "department", "street", "agency", "gridworker")))
]
"""Who lists, reads, acknowledges and completes tasks: staff, and grid workers (网格员) for their own tasks only;
a grid worker neither returns a task nor asks for more time (its street answers for the grid), so those routes
keep ``Staff``."""
CatalogueReader = Annotated[
    Principal, Depends(Require(("office", "operator", "department", "street", "agency", "reviewer")))
]
"""Who reads the catalogue: staff and the reviewers (审查机关) who check it."""
StaffInCharge = Annotated[Principal, Depends(Require(("office", "operator", "department")))]
"""The office, operators and departments: who runs joint enforcement (联合执法)."""
Inspector = Annotated[Principal, Depends(Require(("office", "department", "agency", "street")))]
"""Who records what a joint visit (联合检查) found: the office, the departments, agencies and streets on it."""
AdmissionParty = Annotated[Principal, Depends(Require(("office", "reviewer", "committee", "department", "street")))]
"""Who takes part in admission (准入): office, reviewers, the committee, the applicant and the consulted streets."""
Reviewer = Annotated[Principal, Depends(Require(("reviewer",)))]
"""A reviewing body (审查机关: 司法局, 营商局), scoped to its code."""
Committee = Annotated[Principal, Depends(Require(("committee",)))]
"""The district standing committee (区委常委会议)."""
