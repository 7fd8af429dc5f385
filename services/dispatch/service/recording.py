"""A move on the record: the case's timeline entry and the audit row, in the use case's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.dispatch.domain.case import Task
from services.dispatch.store import DispatchStore
from services.runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Transition:
    """What moved on a case: who, what, why; ``entity`` names what the audit row is about (default the case)."""

    case_id: uuid.UUID
    actor: str
    action: str
    detail: str
    entity: str | None = None
    before: Mapping[str, object] | None = None
    after: Mapping[str, object] | None = field(default=None)

    @staticmethod
    def of_task(task: Task, actor: str, action: str, detail: str, after: Mapping[str, object]) -> Transition:
        """A task's move on its case's timeline, its audit row naming the task."""
        before = {"status": task.status}
        return Transition(task.case_id, actor, action, detail, f"task:{task.id}", before, after)


async def record(uow: UnitOfWork, transition: Transition, *, cause: uuid.UUID | None = None) -> None:
    """A timeline entry (who, when, why, trace id) and an audit row; ``cause``: the event whose trace they carry."""
    t = transition
    store = uow.repository(DispatchStore)
    store.note(t.case_id, actor=t.actor, action=t.action, detail=t.detail, trace_id=uow.trace_id(cause))
    entity = t.entity or f"case:{t.case_id}"
    before, after = _row(t.before), _row(t.after)
    await uow.audit(action=t.action, entity=entity, before=before, after=after, cause=cause)


def _row(values: Mapping[str, object] | None) -> dict[str, object] | None:
    return None if values is None else dict(values)
