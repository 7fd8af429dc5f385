"""What intake routes a batch by, read in one round trip: item versions, grids, street lists, admissions, open
whistles, calendar notices, the grids' workers and the balancing rule."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from contracts import TimeLimit
from services.dispatch.domain import Cover, CoverKind, RoutingEntry, StreetList, YearNotice
from services.dispatch.domain.workers import BalanceRule, Balancing, GridWorker
from services.dispatch.store.tables import (
    admissions,
    balancing,
    calendar_years,
    cases,
    grid_workers,
    grids,
    item_versions,
    street_lists,
    tasks,
    whistles,
)
from services.dispatch.store.worker_register import held
from services.runtime.db import any_of


@dataclass
class RoutingFacts:
    versions: dict[str, list[RoutingEntry]] = field(default_factory=dict)
    grid_streets: dict[str, str] = field(default_factory=dict)
    street_lists: dict[str, StreetList] = field(default_factory=dict)
    admissions: list[dict[str, Any]] = field(default_factory=list)
    whistles: list[dict[str, Any]] = field(default_factory=list)
    notices: dict[int, YearNotice] = field(default_factory=dict)
    workers: dict[str, list[GridWorker]] = field(default_factory=dict)
    balancing: Balancing = field(default_factory=Balancing)

    def add(self, kind: str, row: dict[str, Any]) -> None:
        """One row of ``ROUTING_FACTS``, from its JSON form."""
        if kind in ("worker", "balancing"):
            self._add_staff(kind, row)
        elif kind == "version":
            effective = row["effective_from"]
            entry = entry_of({**row, "effective_from": effective and date.fromisoformat(effective)})
            self.versions.setdefault(entry.item_code, []).append(entry)
        elif kind == "grid":
            self.grid_streets[row["grid_code"]] = row["street_code"]
        elif kind == "list":
            listed = StreetList(row["street_code"], row["revision"], frozenset(row["item_codes"]), row["filing_no"])
            self.street_lists[listed.street_code] = listed
        elif kind == "admission":
            self.admissions.append(row)
        elif kind == "whistle":
            self.whistles.append({**row, "blown_at": datetime.fromisoformat(row["blown_at"])})
        else:
            days = {k: frozenset(date.fromisoformat(d) for d in row[k]) for k in ("holidays", "workdays")}
            self.notices[row["year"]] = YearNotice(year=row["year"], **days)

    def _add_staff(self, kind: str, row: dict[str, Any]) -> None:
        if kind == "balancing":
            self.balancing = Balancing(BalanceRule(row["rule"]), row["cap"])
            return
        last = row["last_assigned_at"] and datetime.fromisoformat(row["last_assigned_at"])
        worker = GridWorker(row["worker_code"], row["grid_code"], row["name"], True, row["load"], last)
        self.workers.setdefault(worker.grid_code, []).append(worker)

    def sorted(self) -> RoutingFacts:
        """In the orders routing relies on: versions oldest first, admissions by id, whistles as blown."""
        for entries in self.versions.values():
            entries.sort(key=lambda entry: entry.version)
        self.admissions.sort(key=lambda row: uuid.UUID(row["application_id"]))
        self.whistles.sort(key=lambda row: row["blown_at"])
        return self

    def covers(self, item_code: str, street_code: str) -> list[Cover]:
        """Approved admissions of the item naming the street (or none: district-wide), by application id, then
        the open whistles of the item in the street, by when blown."""
        admitted = [
            Cover(CoverKind.ADMISSION, row["application_id"], f"{row['kind']}: {row['reason']}")
            for row in self.admissions
            if row["item_code"] == item_code and (not row["street_codes"] or street_code in row["street_codes"])
        ]
        whistled = [
            Cover(CoverKind.WHISTLE, row["id"], f"{row['reason']}, on case {row['case_id']}")
            for row in self.whistles
            if row["item_code"] == item_code and row["street_code"] == street_code
        ]
        return admitted + whistled


def entry_of(row: Mapping[Any, Any]) -> RoutingEntry:
    return RoutingEntry(
        item_code=row["item_code"],
        name=row["name"],
        responsible_body=row["responsible_body"],
        co_operating_units=tuple(row["co_operating_units"]),
        street_codes=tuple(row["street_codes"]),
        version=row["version"],
        basis=row["basis"],
        retired=row["retired"],
        domain=row["domain"],
        list_kind=row["list_kind"],
        time_limit=TimeLimit.model_validate(row["time_limit"]) if row["time_limit"] else None,
        effective_from=row["effective_from"],
        street_tasks=tuple(row.get("street_tasks") or ()),
    )


def _routing_facts() -> sa.CompoundSelect[Any]:
    """One statement, a (kind, JSON row) pair per fact: six reads would be six round trips per batch."""
    # aliases no column shares: to_jsonb(notice) would be calendar_years.notice, not the row
    version, grid, listed = item_versions.alias("fact_v"), grids.alias("fact_g"), street_lists.alias("fact_l")
    admission, notice = admissions.alias("fact_a"), calendar_years.alias("fact_n")
    whistle, case = whistles.alias("fact_w"), cases.alias("fact_c")
    rule = balancing.alias("fact_b")

    def rows(kind: str, source: Any, where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
        query = sa.select(sa.literal(kind).label("kind"), sa.func.to_jsonb(source.table_valued()).label("row"))
        return query if where is None else query.where(where)

    grid_streets = sa.select(grids.c.street_code).where(any_of(grids.c.grid_code, "grids"))
    whistled = {
        "id": whistle.c.id,
        "reason": whistle.c.reason,
        "street_code": whistle.c.street_code,
        "case_id": case.c.id,
        "item_code": case.c.item_code,
        "blown_at": whistle.c.blown_at,
    }
    open_whistles = (
        sa.select(
            sa.literal("whistle").label("kind"),
            sa.func.jsonb_build_object(*(part for pair in whistled.items() for part in pair)).label("row"),
        )
        .select_from(whistle.join(case, case.c.id == whistle.c.case_id))
        .where(any_of(case.c.item_code, "items"), any_of(case.c.status, "open"))
    )
    return sa.union_all(
        rows("version", version, any_of(version.c.item_code, "items")),
        rows("grid", grid, any_of(grid.c.grid_code, "grids")),
        rows("list", listed, sa.or_(any_of(listed.c.street_code, "streets"), listed.c.street_code.in_(grid_streets))),
        rows("admission", admission, any_of(admission.c.item_code, "items")),
        open_whistles,
        rows("notice", notice),
        _workers(),
        rows("balancing", rule),
    )


def _workers() -> sa.Select[Any]:
    """The active workers of the batch's grids, each with the live tasks they hold and when they last got one."""
    worker = grid_workers.alias("fact_gw")
    load, last = held(worker, tasks.alias("fact_t"), lambda status: any_of(status, "live"))
    fields = {
        "worker_code": worker.c.worker_code,
        "grid_code": worker.c.grid_code,
        "name": worker.c.name,
        "load": load,
        "last_assigned_at": last,
    }
    row = sa.func.jsonb_build_object(*(part for pair in fields.items() for part in pair))
    return sa.select(sa.literal("worker").label("kind"), row.label("row")).where(
        any_of(worker.c.grid_code, "grids"), worker.c.active
    )


ROUTING_FACTS = _routing_facts()
