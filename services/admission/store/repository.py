"""Admission's repository: frozen domain values in and out; the unit of work owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.events.admission import ApplicationKind, Verdict
from contracts.events.catalog import ItemDefinition
from services.admission.domain.application import Application, Finding, Resources, Status
from services.admission.domain.facts import CatalogueFacts, ClauseKey, KnownItem, Library
from services.admission.domain.progress import Party, PartyKind
from services.admission.domain.route import DEFAULT_ROUTE, Route
from services.admission.store import facts_cache
from services.admission.store.tables import (
    applications,
    known_clauses,
    known_items,
    parties,
    repealed_laws,
    routes,
    stages,
    timeline,
)


class AdmissionStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _rows(self, query: sa.Select[Any]) -> Sequence[sa.Row[Any]]:
        rows: Sequence[sa.Row[Any]] = (await self.session.execute(query)).all()
        return rows

    # --- catalogue facts (projected from catalog's events)

    async def upsert_known(self, item: KnownItem) -> None:
        """Keep the newest catalogue version only: events may arrive out of order.

        A retirement seen before its item still writes a row (without a name), so that an older
        publication arriving late cannot bring the item back; it keeps the name and definition last seen.
        """
        definition = item.definition.model_dump(mode="json") if item.definition is not None else None
        values = {"item_code": item.item_code, "name": item.name, "version": item.version, "retired": item.retired}
        statement = insert(known_items).values(**values, definition=definition)
        kept = {"retired": statement.excluded.retired, "version": statement.excluded.version}
        if item.name is not None:
            kept |= {"name": statement.excluded.name, "definition": statement.excluded.definition}
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[known_items.c.item_code],
                set_=kept,
                where=known_items.c.version <= statement.excluded.version,
            )
        )

    async def add_clauses(self, keys: Iterable[ClauseKey]) -> None:
        rows = [{"law_id": law, "article": article, "paragraph": paragraph} for law, article, paragraph in set(keys)]
        if rows:
            await self.session.execute(insert(known_clauses).values(rows).on_conflict_do_nothing())

    async def repeal(self, law_id: str, on: date) -> None:
        statement = insert(repealed_laws).values(law_id=law_id, repealed_on=on)
        await self.session.execute(statement.on_conflict_do_update(index_elements=["law_id"], set_={"repealed_on": on}))

    async def known(self, item_code: str) -> KnownItem | None:
        rows = await self._rows(sa.select(known_items).where(known_items.c.item_code == item_code))
        return _known(rows[0]) if rows else None

    async def facts(self) -> CatalogueFacts:
        """Every known item and the basis library, for the automatic checks; read whole only when they changed."""
        at = await facts_cache.stamp(self.session)
        return facts_cache.remembered(self.session, at) or facts_cache.remember(self.session, at, await self._facts())

    async def _facts(self) -> CatalogueFacts:
        items = {row.item_code: _known(row) for row in await self._rows(sa.select(known_items))}
        clauses = frozenset(tuple(row) for row in await self._rows(sa.select(known_clauses)))
        repealed = {row.law_id: row.repealed_on for row in await self._rows(sa.select(repealed_laws))}
        return CatalogueFacts(items=items, library=Library(clauses=clauses, repealed=repealed))

    # --- the route

    async def route(self) -> tuple[int, Route]:
        rows = await self._rows(sa.select(routes).order_by(routes.c.version.desc()).limit(1))
        return (rows[0].version, Route.model_validate(rows[0].definition)) if rows else (0, DEFAULT_ROUTE)

    async def set_route(self, version: int, route: Route, *, by: str, at: datetime) -> None:
        values = {"version": version, "definition": route.model_dump(mode="json"), "set_by": by, "set_at": at}
        await self.session.execute(routes.insert().values(**values))

    # --- applications

    async def add_application(self, application: Application, route: Route) -> None:
        await self.session.execute(
            applications.insert().values(**_application_row(application), route=route.model_dump(mode="json"))
        )

    async def application(self, application_id: uuid.UUID, *, lock: bool = False) -> tuple[Application, Route] | None:
        query = sa.select(applications).where(applications.c.id == application_id)
        rows = await self._rows(query.with_for_update() if lock else query)
        return (
            (_application(rows[0]), Route.model_validate(rows[0].route or DEFAULT_ROUTE.model_dump())) if rows else None
        )

    async def applications_of(self, departments: frozenset[str] | None, *, limit: int) -> list[Application]:
        """Newest first; None: every department's, for the office and the committee."""
        query = sa.select(applications).order_by(applications.c.submitted_at.desc()).limit(limit)
        if departments is not None:
            query = query.where(applications.c.department_code.in_(departments))
        return [_application(row) for row in await self._rows(query)]

    async def set_status(
        self, application_id: uuid.UUID, status: Status, decision: dict[str, Any] | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status} | ({"decision": decision} if decision is not None else {})
        await self.session.execute(applications.update().where(applications.c.id == application_id).values(**values))

    # --- stages and parties

    async def open_stage(self, application_id: uuid.UUID, name: str, on: date) -> None:
        await self.session.execute(stages.insert().values(application_id=application_id, name=name, opened_on=on))

    async def close_stage(self, application_id: uuid.UUID, name: str, on: date) -> None:
        where = sa.and_(stages.c.application_id == application_id, stages.c.name == name)
        await self.session.execute(stages.update().where(where).values(closed_on=on))

    async def stages(self, application_id: uuid.UUID) -> dict[str, date | None]:
        """Opened stages by name, with the day each closed (None while open)."""
        rows = await self._rows(sa.select(stages).where(stages.c.application_id == application_id))
        return {row.name: row.closed_on for row in rows}

    async def add_parties(self, asked: Sequence[Party]) -> None:
        if asked:
            await self.session.execute(parties.insert().values([_party_row(p) for p in asked]))

    async def save_party(self, party: Party) -> None:
        key = (
            parties.c.application_id == party.application_id,
            parties.c.stage == party.stage,
            parties.c.code == party.code,
        )
        await self.session.execute(parties.update().where(*key).values(**_party_row(party)))

    async def parties(self, application_id: uuid.UUID, *, stage: str | None = None) -> list[Party]:
        query = (
            sa.select(parties)
            .where(parties.c.application_id == application_id)
            .order_by(parties.c.stage, parties.c.code)
        )
        if stage is not None:
            query = query.where(parties.c.stage == stage)
        return [_party(row) for row in await self._rows(query)]

    async def assigned(self, kind: PartyKind, codes: frozenset[str], *, limit: int) -> list[Party]:
        """What these bodies are asked (审查任务 / 征求意见), open ones first."""
        query = sa.select(parties).where(parties.c.kind == kind, parties.c.code.in_(codes))
        order = (parties.c.verdict.is_not(None), parties.c.due_on)
        return [_party(row) for row in await self._rows(query.order_by(*order).limit(limit))]

    async def overdue(self, today: date) -> list[uuid.UUID]:
        """Applications with a party past its deadline and unanswered (escalation or lapse due)."""
        late = sa.and_(parties.c.verdict.is_(None), sa.not_(parties.c.silent), parties.c.due_on < today)
        return [row[0] for row in await self._rows(sa.select(parties.c.application_id).where(late).distinct())]

    # --- the timeline (办理轨迹)

    async def note(
        self,
        application_id: uuid.UUID,
        *,
        actor: str,
        action: str,
        detail: dict[str, Any],
        trace_id: str | None,
        at: datetime,
    ) -> None:
        row = {
            "application_id": application_id,
            "actor": actor,
            "action": action,
            "detail": detail,
            "trace_id": trace_id,
            "at": at,
        }
        await self.session.execute(timeline.insert().values(**row))

    async def timeline(self, application_id: uuid.UUID) -> list[dict[str, Any]]:
        query = sa.select(timeline).where(timeline.c.application_id == application_id).order_by(timeline.c.id)
        return [dict(row._mapping) for row in await self._rows(query)]


def _known(row: sa.Row[Any]) -> KnownItem:
    definition = ItemDefinition.model_validate(row.definition) if row.definition is not None else None
    return KnownItem(
        item_code=row.item_code, name=row.name, version=row.version, retired=row.retired, definition=definition
    )


def _application_row(application: Application) -> dict[str, Any]:
    values = {
        key: getattr(application, key)
        for key in (
            "id",
            "department_code",
            "kind",
            "item_code",
            "item_name",
            "reason",
            "status",
            "submitted_by",
            "submitted_at",
            "diff",
            "decision",
            "revises",
        )
    }
    return values | {
        "proposal": application.proposal.model_dump(mode="json") if application.proposal is not None else None,
        "street_codes": list(application.street_codes),
        "resources": application.resources.model_dump(mode="json"),
        "findings": [vars(finding) for finding in application.findings],
        "flags": list(application.flags),
    }


def _application(row: sa.Row[Any]) -> Application:
    return Application(
        id=row.id,
        department_code=row.department_code,
        kind=ApplicationKind(row.kind),
        item_code=row.item_code,
        item_name=row.item_name,
        proposal=ItemDefinition.model_validate(row.proposal) if row.proposal is not None else None,
        street_codes=tuple(row.street_codes),
        resources=Resources.model_validate(row.resources),
        reason=row.reason,
        diff=row.diff,
        findings=tuple(Finding(**finding) for finding in row.findings),
        status=Status(row.status),
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
        decision=row.decision,
        revises=row.revises,
    )


def _party_row(party: Party) -> dict[str, Any]:
    return {**vars(party), "attachments": list(party.attachments)}


def _party(row: sa.Row[Any]) -> Party:
    values = dict(row._mapping)
    verdict = Verdict(row.verdict) if values.pop("verdict") is not None else None
    kind, attachments = PartyKind(values.pop("kind")), tuple(values.pop("attachments"))
    return Party(**values, verdict=verdict, kind=kind, attachments=attachments)
