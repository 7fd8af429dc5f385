"""The bench's catalogue and cases: departments, items, grids, and numbered case reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts import encode
from contracts.envelope import CONTENT_TYPE, envelop
from contracts.events.intake import CaseReported

LAW = "L-BENCH"
MARK = "bench"
"""Case descriptions read ``bench:<tag>:<seq>``: the tag names the phase, the number the case in it."""


@dataclass(frozen=True)
class Outgoing:
    subject: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Workload:
    """A small district: each item has one responsible department; each grid lies in one street."""

    departments: int = 4
    items: int = 40
    streets: int = 4
    grids: int = 20

    def department(self, index: int) -> str:
        return f"bench-dept-{index % self.departments}"

    def department_codes(self) -> list[str]:
        return [self.department(i) for i in range(self.departments)]

    def item_code(self, index: int) -> str:
        return f"BENCH-{index % self.items:04d}"

    def item_codes(self) -> list[str]:
        return [self.item_code(i) for i in range(self.items)]

    def grid_code(self, index: int) -> str:
        return f"bench-grid-{index % self.grids:03d}"

    def catalogue(self) -> dict[str, Any]:
        """The body of ``POST /catalogue`` on catalog."""
        items = [
            {
                "item_code": self.item_code(i),
                "name": f"基准事项 {i}",
                "list_kind": "common",
                "domain": "城市管理",
                "responsible_body": self.department(i),
                "time_limit": {"value": 3, "unit": "working_day"},
                "legal_basis": [{"law_id": LAW, "law_title": "城市市容和环境卫生管理条例", "article": "第十四条"}],
            }
            for i in range(self.items)
        ]
        grids = [
            {"grid_code": self.grid_code(g), "street_code": f"bench-street-{g % self.streets}"}
            for g in range(self.grids)
        ]
        law = {"law_id": LAW, "title": "城市市容和环境卫生管理条例", "kind": "regulation", "issuer": "国务院"}
        clause = {"law_id": LAW, "article": "第十四条", "text": "任何单位和个人都不得在街道两侧和公共场地堆放物料。"}
        return {
            "note": "bench catalogue",
            "laws": [{**law, "effective_from": "1992-08-01"}],
            "clauses": [clause],
            "items": items,
            "grids": grids,
        }

    def case(self, tag: str, seq: int) -> Outgoing:
        """Case ``seq`` of phase ``tag`` as the smart-city platform would publish it on intake."""
        report = CaseReported(
            source_system=MARK,
            source_id=f"{tag}-{seq}",
            item_code=self.item_code(seq),
            grid_code=self.grid_code(seq * 7),
            description=f"{MARK}:{tag}:{seq}",
            reported_at=datetime.now(UTC),
        )
        envelope = envelop(report, source="/bench")
        headers = {"Nats-Msg-Id": str(envelope.id), "content-type": CONTENT_TYPE}
        return Outgoing(report.subject(), encode(envelope), headers)


def parse_mark(description: str) -> tuple[str, int] | None:
    """``(tag, seq)`` from a bench case description; None for anything else."""
    parts = description.split(":")
    if len(parts) != 3 or parts[0] != MARK or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])
