"""Joint visits (联合检查, "进一次门、查多项事"): the inspections several departments hold on one target in one
period become one visit, staffed "1+2+N": one officer of the street's comprehensive enforcement team
(综合执法队), the officers the draw named for the enforcing departments, and those of the N co-operating ones.

Planning is not random: the street-team officer is the least loaded one free for the target (no conflict, under
the visit cap), ties broken by code, unless the plan assigns one. Pure: no I/O.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.enforcement.domain.spec import DrawRefused, PoolOfficer


@dataclass(frozen=True)
class Planned:
    """One drawn inspection as the planner sees it."""

    matter: str
    department: str
    target: str
    street: str
    officers: tuple[str, ...]


@dataclass(frozen=True)
class Visit:
    target: str
    street: str
    lead: str | None  # the "1": None when the street's team has nobody free (see ``unstaffed``)
    enforcing: tuple[str, ...]  # the "2": the first two departments, by code
    co_operating: tuple[str, ...]  # the "N"
    matters: tuple[str, ...]
    officers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "street": self.street,
            "lead": self.lead,
            "enforcing": list(self.enforcing),
            "co_operating": list(self.co_operating),
            "matters": list(self.matters),
            "officers": list(self.officers),
        }


@dataclass(frozen=True)
class VisitPlan:
    visits: tuple[Visit, ...]
    inspections: int

    @property
    def saved(self) -> int:
        """Visits saved (少进的门): inspections that ride along on another department's visit."""
        return self.inspections - len(self.visits)

    @property
    def unstaffed(self) -> tuple[str, ...]:
        return tuple(v.target for v in self.visits if v.lead is None)


def merge_visits(
    planned: Sequence[Planned], team: Sequence[PoolOfficer], *, visit_cap: int, assign: Mapping[str, str] = {}
) -> VisitPlan:
    """One visit per target, in order of target code; ``assign`` names a street-team officer for a target."""
    by_target: dict[str, list[Planned]] = defaultdict(list)
    for inspection in planned:
        by_target[inspection.target].append(inspection)
    lead = Leads(team, visit_cap)
    for target, officer in sorted(assign.items()):
        lead.force(target, by_target.get(target), officer)
    visits = tuple(_visit(target, by_target[target], lead) for target in sorted(by_target))
    return VisitPlan(visits, len(planned))


def _visit(target: str, inspections: list[Planned], lead: Leads) -> Visit:
    departments = sorted({i.department for i in inspections})
    officers = tuple(dict.fromkeys(code for i in sorted(inspections, key=_order) for code in i.officers))
    street = inspections[0].street
    return Visit(
        target=target,
        street=street,
        lead=lead.pick(target, street, officers),
        enforcing=tuple(departments[:2]),
        co_operating=tuple(departments[2:]),
        matters=tuple(sorted(i.matter for i in inspections)),
        officers=officers,
    )


def _order(inspection: Planned) -> tuple[str, str]:
    return inspection.department, inspection.matter


class Leads:
    """The "1" of each visit, within the street team's visit caps and recusals."""

    def __init__(self, team: Sequence[PoolOfficer], visit_cap: int) -> None:
        self.by_street: dict[str, list[PoolOfficer]] = defaultdict(list)
        for officer in sorted(team, key=lambda o: o.code):
            if officer.street is not None:
                self.by_street[officer.street].append(officer)
        self.known = {o.code: o for o in team}
        self.cap = visit_cap
        self.load: Counter[str] = Counter()
        self.forced: dict[str, str] = {}

    def force(self, target: str, inspections: list[Planned] | None, code: str) -> None:
        """An assignment the plan makes; refused when it breaks recusal, the team or the cap."""
        field = f"assign.{target}"
        officer = self.known.get(code)
        if inspections is None:
            raise DrawRefused(f"target {target} has no inspection in these draws", field=field)
        if officer is None or officer.street != inspections[0].street:
            raise DrawRefused(f"{code} is not free on the comprehensive team of {inspections[0].street}", field=field)
        if target in officer.conflicts:
            raise DrawRefused(f"officer {code} is under recusal (回避) for target {target}", field=field)
        if self.load[code] >= self.cap:
            raise DrawRefused(f"officer {code} is at the visit cap ({self.cap})", field=field)
        self.load[code] += 1
        self.forced[target] = code

    def pick(self, target: str, street: str, drawn: tuple[str, ...]) -> str | None:
        if target in self.forced:
            return self.forced[target]
        free = [o for o in self.by_street[street] if self._free(o, target, drawn)]
        if not free:
            return None
        chosen = min(free, key=lambda o: (self.load[o.code], o.code))
        self.load[chosen.code] += 1
        return chosen.code

    def _free(self, officer: PoolOfficer, target: str, drawn: tuple[str, ...]) -> bool:
        return target not in officer.conflicts and officer.code not in drawn and self.load[officer.code] < self.cap
