"""What every admission use case shares: the application under lock, and the timeline (办理轨迹) it writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.admission.domain.application import Application
from services.admission.domain.route import Route
from services.admission.store.repository import AdmissionStore
from services.runtime.errors import Forbidden, NotFound
from services.runtime.telemetry import current_trace_id
from services.runtime.uow import UnitOfWork

CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    """Deadlines are working days in China, whatever the server's zone."""
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class Step:
    """One use case's transaction: the store, who acts, and the day and instant it counts as."""

    uow: UnitOfWork
    store: AdmissionStore
    today: date
    at: datetime

    @classmethod
    def of(cls, uow: UnitOfWork, today: date | None = None) -> Step:
        return cls(uow, uow.repository(AdmissionStore), today or china_today(), datetime.now(CHINA))

    async def note(self, application_id: uuid.UUID, action: str, **detail: Any) -> None:
        """A timeline entry and its audit row: who, when, what, under which trace."""
        actor, trace_id = self.uow.actor, current_trace_id()
        await self.store.note(application_id, actor=actor, action=action, detail=detail, trace_id=trace_id, at=self.at)
        await self.uow.audit(action=f"application.{action}", entity=f"application:{application_id}", after=detail)

    async def locked(self, application_id: uuid.UUID) -> tuple[Application, Route]:
        """The application and its route, locked until commit, so two answers cannot both move it."""
        found = await self.store.application(application_id, lock=True)
        if found is None:
            raise NotFound(f"no application {application_id}", field="application_id", location="path")
        return found


def owned(application: Application, departments: frozenset[str]) -> Application:
    if application.department_code not in departments:
        raise Forbidden(f"application {application.id} is another department's", field="application_id")
    return application
