"""提交准入申请 and reading applications: the automatic checks, then the route's first stages open."""

from __future__ import annotations

import uuid

from contracts.events.admission import ApplicationSubmitted
from services.admission.domain.application import (
    Application,
    Finding,
    Status,
    SubmitApplication,
    changes,
    check_revision,
)
from services.admission.domain.checks import screen
from services.admission.domain.progress import Party, PartyKind
from services.admission.domain.route import Route, affected_streets
from services.admission.service.journal import Step
from services.admission.service.stages import advance
from services.admission.store.repository import AdmissionStore
from services.runtime.errors import Forbidden, NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def submit_application(uow: UnitOfWork, command: SubmitApplication, *, acting_for: frozenset[str]) -> Application:
    """Screen it automatically (a hard finding refuses it), keep it with its flags, open its first stages."""
    if command.department_code not in acting_for:
        raise Forbidden(f"not allowed to apply for department {command.department_code}", field="department_code")
    async with uow:
        step = Step.of(uow)
        returned = await _returned(step, command)
        application = await _screened(step, command)
        if returned is not None:
            await step.store.set_status(returned.id, Status.REVISED)
            await step.note(returned.id, "revised", revision=str(application.id))
        await uow.commit()
    return application


async def _returned(step: Step, command: SubmitApplication) -> Application | None:
    """修改重报: the returned application a revision carries on, locked so that it is revised once."""
    if command.revises is None:
        return None
    returned, _ = await step.locked(command.revises)
    check_revision(returned, command)
    return returned


async def _screened(step: Step, command: SubmitApplication) -> Application:
    facts, (_, route) = await step.store.facts(), await step.store.route()
    findings = screen(command, facts, route.checks, today=step.today)
    _refuse_hard(findings)
    current = facts.live(command.item_code)
    application = _application(command, findings, step, current.definition if current else None)
    await step.store.add_application(application, route)
    detail = {"revises": str(command.revises)} if command.revises else {}
    await step.note(application.id, "submitted", flags=list(application.flags), findings=_named(findings), **detail)
    await step.uow.emit(_submitted(application), about=str(application.id))
    await advance(step, application, route)
    return application


def _refuse_hard(findings: list[Finding]) -> None:
    hard = [finding for finding in findings if finding.hard]
    if hard:
        raise Rejected(f"{hard[0].code}: {hard[0].detail}", field=hard[0].field)


def _named(findings: list[Finding]) -> list[dict[str, object]]:
    return [vars(finding) for finding in findings]


def _application(command: SubmitApplication, findings: list[Finding], step: Step, current: object) -> Application:
    streets = affected_streets(command.proposal, command.street_codes)
    return Application(
        id=uuid.uuid4(),
        department_code=command.department_code,
        kind=command.kind,
        item_code=command.item_code,
        item_name=command.item_name,
        proposal=command.proposal,
        street_codes=streets,
        resources=command.resources,
        reason=command.reason,
        diff=changes(current, command.proposal),  # type: ignore[arg-type]
        findings=tuple(findings),
        status=Status.IN_REVIEW,
        submitted_by=step.uow.actor,
        submitted_at=step.at,
        revises=command.revises,
    )


def _submitted(application: Application) -> ApplicationSubmitted:
    similar = {"similar_name", "similar_task"}
    return ApplicationSubmitted(
        application_id=application.id,
        department_code=application.department_code,
        kind=application.kind,
        item_code=application.item_code,
        item_name=application.item_name,
        duplicate_of_existing=bool(similar & set(application.flags)),
        flags=application.flags,
        street_codes=application.street_codes,
    )


async def application_view(
    uow: UnitOfWork, application_id: uuid.UUID, *, sees: Visibility
) -> tuple[Application, list[Party]]:
    """One application with the parties asked; a department, reviewer or street sees only what concerns it."""
    async with uow:
        store = uow.repository(AdmissionStore)
        found = await store.application(application_id)
        if found is None:
            raise NotFound(f"no application {application_id}", field="application_id", location="path")
        asked = await store.parties(application_id)
    if not sees.allows(found[0], asked):
        raise Forbidden(f"application {application_id} is not assigned to you", field="application_id", location="path")
    return found[0], asked


async def applications(uow: UnitOfWork, departments: frozenset[str] | None, *, limit: int) -> list[Application]:
    async with uow:
        return await uow.repository(AdmissionStore).applications_of(departments, limit=limit)


async def timeline(uow: UnitOfWork, application_id: uuid.UUID, *, sees: Visibility) -> list[dict[str, object]]:
    """办理轨迹: who did what when, with the trace id, for whoever may see the application."""
    await application_view(uow, application_id, sees=sees)
    async with uow:
        return await uow.repository(AdmissionStore).timeline(application_id)


class Visibility:
    """Who sees an application: everyone for the office and committee; else its department, reviewers, streets."""

    def __init__(
        self, *, everything: bool, departments: frozenset[str], reviewers: frozenset[str], streets: frozenset[str]
    ) -> None:
        self.everything, self.departments = everything, departments
        self.asked = {(PartyKind.REVIEWER, code) for code in reviewers} | {(PartyKind.STREET, code) for code in streets}

    def allows(self, application: Application, asked: list[Party]) -> bool:
        if self.everything or application.department_code in self.departments:
            return True
        return any((party.kind, party.code) in self.asked for party in asked)


async def current_route(uow: UnitOfWork) -> tuple[int, Route]:
    async with uow:
        return await uow.repository(AdmissionStore).route()


async def set_route(uow: UnitOfWork, route: Route) -> int:
    """准入流程调整: a new route version; running applications keep the route they started on."""
    async with uow:
        step = Step.of(uow)
        version = (await step.store.route())[0] + 1
        await step.store.set_route(version, route, by=uow.actor, at=step.at)
        await uow.audit(action="route.set", entity=f"route:{version}", after=route.model_dump(mode="json"))
        await uow.commit()
    return version
