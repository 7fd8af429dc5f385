"""自动审查: the automatic checks an application meets before any review, each finding named. Pure: no I/O.

Hard findings refuse the application (a 422 naming the field); soft ones become flags reviewers see.
The thresholds are data (``CheckSettings``), carried by the route a district keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from contracts.events.admission import ApplicationKind
from contracts.events.catalog import ClauseRef, ItemDefinition, TaskParty
from services.admission.domain.application import Finding, SubmitApplication
from services.admission.domain.facts import CatalogueFacts, KnownItem
from services.admission.domain.similarity import co_operating, core, similarity


class CheckSettings(BaseModel):
    """How alike two texts must be (character n-gram Dice, 0..1) to be flagged as the same duty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ngram: int = Field(default=2, ge=1, le=4, description="Characters per gram")
    name_threshold: float = Field(default=0.7, gt=0, le=1, description="Similar item names (事项名称相似)")
    task_threshold: float = Field(default=0.75, gt=0, le=1, description="Similar task texts (任务内容相似)")


def screen(command: SubmitApplication, facts: CatalogueFacts, settings: CheckSettings, *, today: date) -> list[Finding]:
    """Every finding, hard ones first: the first hard one is what the applicant is refused with."""
    findings = list(_target(command, facts))
    if command.proposal is not None:
        findings += _basis(command.proposal, facts, today)
        findings += _likeness(command, facts, settings)
        findings += _offloading(command.proposal, facts, settings)
        findings += _resources(command)
    return sorted(findings, key=lambda finding: not finding.hard)


def _target(command: SubmitApplication, facts: CatalogueFacts) -> Iterator[Finding]:
    """The item the application acts on: an add needs a new code, a change or removal a live one."""
    live, known = facts.live(command.item_code), facts.items.get(command.item_code)
    needs_proposal = command.kind is not ApplicationKind.REMOVE
    if needs_proposal and command.proposal is None:
        yield Finding("proposal_missing", "proposal", "an add or a change states the item as proposed", hard=True)
    elif command.proposal is not None and command.proposal.item_code != command.item_code:
        yield Finding("proposal_code_mismatch", "proposal.item_code", "the proposal is for another item", hard=True)
    if command.kind is ApplicationKind.ADD and live is not None:
        yield Finding(
            "duplicate_code", "item_code", f"{command.item_code} is in the catalogue: apply to change it", hard=True
        )
    elif command.kind is not ApplicationKind.ADD and live is None:
        yield Finding("unknown_item", "item_code", f"{command.item_code} is not in the catalogue", hard=True)
    elif command.kind is ApplicationKind.ADD and known is not None:
        yield Finding("readds_retired_item", "item_code", f"{command.item_code} was removed from the catalogue")


def _clauses(proposal: ItemDefinition) -> Iterator[tuple[str, ClauseRef]]:
    """Every clause the proposal cites, with the field it sits in."""
    for i, clause in enumerate(proposal.legal_basis):
        yield f"proposal.legal_basis[{i}]", clause
    for t, task in enumerate(proposal.tasks):
        for i, clause in enumerate(task.basis):
            yield f"proposal.tasks[{t}].basis[{i}]", clause


def _basis(proposal: ItemDefinition, facts: CatalogueFacts, today: date) -> Iterator[Finding]:
    """法律依据: at least one clause, each in the basis library (依据库) and in force today."""
    cited = list(_clauses(proposal))
    if not cited:
        yield Finding("basis_missing", "proposal.legal_basis", "a duty rests on at least one clause", hard=True)
    for where, clause in cited:
        name = f"{clause.law_title} {clause.article}{clause.paragraph or ''}"
        if not facts.library.holds(clause):
            yield Finding("clause_unknown", where, f"{name} is not in the basis library (依据库)", hard=True)
        elif not facts.library.in_force(clause, today):
            yield Finding("clause_not_in_force", where, f"{name} is repealed (已废止)", hard=True)


def _others(command: SubmitApplication, facts: CatalogueFacts) -> Iterator[KnownItem]:
    return (item for code, item in facts.items.items() if code != command.item_code and item.name is not None)


def _likeness(command: SubmitApplication, facts: CatalogueFacts, settings: CheckSettings) -> Iterator[Finding]:
    """重复事项: an item of similar name, or a street task of similar text, already exists (or was removed)."""
    assert command.proposal is not None
    proposal, n = command.proposal, settings.ngram
    for item in _others(command, facts):
        if similarity(proposal.name, item.name or "", n=n) >= settings.name_threshold:
            code = "readds_retired_item" if item.retired else "similar_name"
            yield Finding(code, "proposal.name", f"like {item.item_code} {item.name}")
    for t, task in enumerate(proposal.tasks):
        if task.party is TaskParty.STREET and not co_operating(task.text):
            yield from _similar_task(t, task.text, _others(command, facts), settings)


def _similar_task(t: int, text: str, items: Iterator[KnownItem], settings: CheckSettings) -> Iterator[Finding]:
    for item in items:
        for other in item.definition.tasks if item.definition is not None else ():
            own = other.party is TaskParty.STREET and not co_operating(other.text)
            if own and similarity(text, other.text, n=settings.ngram) >= settings.task_threshold:
                code = "readds_retired_item" if item.retired else "similar_task"
                yield Finding(code, f"proposal.tasks[{t}].text", f"like a street task of {item.item_code}")
                return


def _offloading(proposal: ItemDefinition, facts: CatalogueFacts, settings: CheckSettings) -> Iterator[Finding]:
    """防转嫁: a street task whose substance the catalogue gives streets only as co-operation (配合)."""
    helping = [
        (item.item_code, core(task.text))
        for item in facts.items.values()
        if item.definition is not None and not item.retired
        for task in item.definition.tasks
        if task.party is TaskParty.STREET and co_operating(task.text)
    ]
    for t, task in enumerate(proposal.tasks):
        if task.party is not TaskParty.STREET or co_operating(task.text):
            continue
        for code, text in helping:
            if similarity(core(task.text), text, n=settings.ngram) >= settings.task_threshold:
                detail = f"streets only co-operate on this in {code} (配合职责转为街道主责)"
                yield Finding("moves_co_operating_duty", f"proposal.tasks[{t}].text", detail)
                break


def _resources(command: SubmitApplication) -> Iterator[Finding]:
    """费随事转: a duty on streets with no staff, funds or materials attached is flagged."""
    assert command.proposal is not None
    street_work = any(task.party is TaskParty.STREET for task in command.proposal.tasks)
    if street_work and command.resources.none:
        yield Finding("no_resources", "resources", "no staff, funds or materials go with the street tasks (人财物)")
