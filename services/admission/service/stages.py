"""The route moving on: open the next stages with their parties and deadlines, close the ones that are done."""

from __future__ import annotations

from contracts.events.admission import ConsultationClosed, StageOpened, Verdict
from services.admission.domain.application import Application, Status
from services.admission.domain.progress import Party, PartyKind, complete
from services.admission.domain.route import Route, Stage, StageKind, due_after
from services.admission.service.journal import Step


async def advance(step: Step, application: Application, route: Route) -> None:
    """Open whatever the closed stages let open, until nothing more does (an empty stage closes at once)."""
    while True:
        opened = await step.store.stages(application.id)
        closed = frozenset(name for name, closed_on in opened.items() if closed_on is not None)
        fresh = [stage for stage in route.opening(closed) if stage.name not in opened]
        if not fresh:
            return
        for stage in fresh:
            await _open(step, application, stage)


async def _open(step: Step, application: Application, stage: Stage) -> None:
    await step.store.open_stage(application.id, stage.name, step.today)
    asked = _parties(application, stage, step)
    await step.store.add_parties(asked)
    due = asked[0].due_on if asked else None
    codes = tuple(party.code for party in asked)
    opened = StageOpened(application_id=application.id, stage=stage.name, kind=stage.kind, parties=codes, due_on=due)
    await step.uow.emit(opened, about=str(application.id))
    await step.note(application.id, f"{stage.name}.opened", parties=list(codes), due_on=str(due) if due else None)
    if stage.kind is StageKind.DECISION:
        await step.store.set_status(application.id, Status.AWAITING_DECISION)
    elif not asked:
        await close(step, application, stage, [])


def _parties(application: Application, stage: Stage, step: Step) -> list[Party]:
    due, about = due_after(step.today, stage.due_working_days), application.id
    if stage.kind is StageKind.REVIEW:
        kind = PartyKind.REVIEWER
        return [Party(about, stage.name, kind, r.body, due, aspect=r.aspect) for r in stage.reviewers]
    if stage.kind is StageKind.CONSULTATION:
        return [Party(about, stage.name, PartyKind.STREET, street, due) for street in application.street_codes]
    return []


async def settle(step: Step, application: Application, route: Route, stage_name: str) -> None:
    """After an answer or a lapse: close the stage if every party is settled, then move on."""
    asked = await step.store.parties(application.id, stage=stage_name)
    if complete(asked):
        await close(step, application, route.stage(stage_name), asked)
        await advance(step, application, route)


async def close(step: Step, application: Application, stage: Stage, asked: list[Party]) -> None:
    await step.store.close_stage(application.id, stage.name, step.today)
    if stage.kind is StageKind.CONSULTATION:
        await step.uow.emit(_consultation_closed(application, asked), about=str(application.id))
    await step.note(application.id, f"{stage.name}.closed")


def _consultation_closed(application: Application, asked: list[Party]) -> ConsultationClosed:
    def codes(kept: bool | Verdict) -> tuple[str, ...]:
        return tuple(p.code for p in asked if (p.silent if isinstance(kept, bool) else p.verdict is kept))

    agreed, objected, silent = codes(Verdict.AGREE), codes(Verdict.OBJECT), codes(True)
    return ConsultationClosed(application_id=application.id, agreed=agreed, objected=objected, silent=silent)
