"""唯一入口: the pure rule that street duties widen only through an approved application or the emergency path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.catalog.domain.door import (
    Approval,
    Grounds,
    PassedBy,
    Proposed,
    pass_door,
    widenings,
)
from services.catalog.domain.items import ItemSpec
from services.runtime.errors import Rejected

APPROVED_AT = datetime(2026, 3, 2, tzinfo=UTC)
DEPARTMENT_TASK = {"party": "department", "text": "制定计生宣传方案"}
STREET_TASK = {"party": "street", "text": "配合主管部门做好人口与计划生育宣传引导"}
NEW_STREET_TASK = {"party": "street", "text": "建立计生台账"}


def spec(*tasks: dict[str, str], code: str = "JSX002", **changes: Any) -> ItemSpec:
    fields = {
        "item_code": code,
        "name": "计划生育宣传",
        "list_kind": "common",
        "domain": "卫生健康",
        "responsible_body": "jsx",
        "time_limit": {"value": 5, "unit": "working_day"},
        "legal_basis": [{"law_id": "L1", "law_title": "人口与计划生育法", "article": "第五条"}],
        "tasks": list(tasks),
    }
    return ItemSpec.model_validate({**fields, **changes})


def where(found: list[Any]) -> list[str]:
    return [w.where for w in found]


def test_a_new_item_with_street_tasks_or_streets_widens_and_a_department_only_one_does_not() -> None:
    assert where(widenings(spec(DEPARTMENT_TASK, STREET_TASK), None)) == ["tasks.1"]
    assert where(widenings(spec(DEPARTMENT_TASK, street_codes=["wulong"]), None)) == ["street_codes.0"]
    assert widenings(spec(DEPARTMENT_TASK), None) == []


def test_gaining_a_street_task_widens_and_narrowing_or_department_changes_do_not() -> None:
    held = spec(DEPARTMENT_TASK, STREET_TASK)
    assert where(widenings(spec(DEPARTMENT_TASK, STREET_TASK, NEW_STREET_TASK), held)) == ["tasks.2"]
    assert widenings(spec(DEPARTMENT_TASK), held) == []  # a street task dropped
    assert widenings(spec({"party": "department", "text": "另一部门任务"}, STREET_TASK), held) == []
    assert widenings(spec(DEPARTMENT_TASK, STREET_TASK, name="计划生育宣传（更名）"), held) == []


def test_a_department_task_moved_onto_streets_or_reworded_for_them_widens() -> None:
    held = spec(DEPARTMENT_TASK, STREET_TASK)
    moved = spec({**DEPARTMENT_TASK, "party": "street"}, STREET_TASK)
    assert where(widenings(moved, held)) == ["tasks.0"]
    reworded = spec(DEPARTMENT_TASK, {"party": "street", "text": "负责人口与计划生育宣传引导"})
    assert where(widenings(reworded, held)) == ["tasks.1"]


def test_re_citing_a_street_task_after_a_law_change_is_no_widening() -> None:
    held = spec(STREET_TASK)
    basis = [{"law_id": "L1", "law_title": "人口与计划生育法", "article": "第六条"}]
    assert widenings(spec({**STREET_TASK, "basis": basis}), held) == []


def test_reaching_more_streets_widens_an_item_with_street_tasks() -> None:
    held = spec(STREET_TASK, street_codes=["wulong"])
    assert where(widenings(spec(STREET_TASK, street_codes=["wulong", "hubin"]), held)) == ["street_codes.1"]
    assert where(widenings(spec(STREET_TASK), held)) == ["street_codes"]  # every street
    assert widenings(spec(STREET_TASK, street_codes=["hubin"]), spec(STREET_TASK)) == []  # narrowed from all
    assert widenings(spec(DEPARTMENT_TASK, street_codes=["wulong", "hubin"]), spec(DEPARTMENT_TASK)) == []


def proposal(item: ItemSpec, in_force: ItemSpec | None) -> list[Proposed]:
    return [Proposed("items.0", item, in_force)]


def test_a_widening_without_grounds_is_refused_naming_the_field_and_the_application_needed() -> None:
    with pytest.raises(Rejected) as refused:
        pass_door(Grounds(), None, proposal(spec(STREET_TASK, NEW_STREET_TASK), spec(STREET_TASK)), founding=False)
    assert refused.value.field == "items.0.tasks.1"
    assert "(准入) to change item JSX002" in refused.value.message
    with pytest.raises(Rejected) as new:
        pass_door(Grounds(), None, proposal(spec(STREET_TASK), None), founding=False)
    assert "(准入) to add item JSX002" in new.value.message


def test_the_founding_list_and_narrowing_pass_without_grounds() -> None:
    assert pass_door(Grounds(), None, proposal(spec(STREET_TASK), None), founding=True).by is PassedBy.FOUNDING
    narrowed = pass_door(Grounds(), None, proposal(spec(DEPARTMENT_TASK), spec(STREET_TASK)), founding=False)
    assert narrowed.by is PassedBy.NOTHING
    assert narrowed.marks() == {}


def approval(item: ItemSpec | None, code: str = "JSX002") -> Approval:
    return Approval(uuid.uuid4(), code, APPROVED_AT, item)


def test_an_approval_covers_a_widening_within_the_approved_item_and_the_diff_cites_it() -> None:
    approved = approval(spec(STREET_TASK, NEW_STREET_TASK))
    incoming = spec(STREET_TASK, NEW_STREET_TASK)
    passage = pass_door(
        Grounds(application_id=approved.application_id), approved, proposal(incoming, spec(STREET_TASK)), founding=False
    )
    assert passage.by is PassedBy.APPLICATION
    assert passage.marks() == {"application": [str(approved.application_id)]}


def test_an_approval_does_not_cover_more_than_it_approved() -> None:
    approved = approval(spec(STREET_TASK, NEW_STREET_TASK))
    beyond = spec(STREET_TASK, NEW_STREET_TASK, {"party": "street", "text": "街道负责上门随访"})
    grounds = Grounds(application_id=approved.application_id)
    with pytest.raises(Rejected) as refused:
        pass_door(grounds, approved, proposal(beyond, spec(STREET_TASK)), founding=False)
    assert refused.value.field == "items.0.tasks.2"


@pytest.mark.parametrize(
    ("held", "why"),
    [(None, "holds no approved"), (approval(spec(STREET_TASK), code="OTHER1"), "approved item OTHER1")],
)
def test_an_unknown_application_or_one_for_another_item_is_refused_naming_application_id(
    held: Approval | None, why: str
) -> None:
    cited = held.application_id if held is not None else uuid.uuid4()
    with pytest.raises(Rejected) as refused:
        pass_door(Grounds(application_id=cited), held, proposal(spec(STREET_TASK), None), founding=False)
    assert refused.value.field == "application_id"
    assert why in refused.value.message


def test_an_approved_removal_covers_no_widening() -> None:
    removal = approval(None)
    grounds = Grounds(application_id=removal.application_id)
    with pytest.raises(Rejected) as refused:
        pass_door(grounds, removal, proposal(spec(STREET_TASK, NEW_STREET_TASK), spec(STREET_TASK)), founding=False)
    assert refused.value.field == "items.0.tasks.1"


def test_an_emergency_passes_and_marks_its_reason_and_the_items_it_widened() -> None:
    grounds = Grounds(emergency_reason="  防汛应急：街道临时承担巡查  ")
    passage = pass_door(grounds, None, proposal(spec(STREET_TASK), None), founding=False)
    assert passage.by is PassedBy.EMERGENCY
    assert passage.marks() == {"emergency": ["防汛应急：街道临时承担巡查"], "widened": ["JSX002"]}


def test_grounds_are_one_or_the_other_and_an_empty_reason_is_no_reason() -> None:
    both = Grounds(application_id=uuid.uuid4(), emergency_reason="紧急")
    with pytest.raises(Rejected) as refused:
        pass_door(both, None, proposal(spec(STREET_TASK), None), founding=False)
    assert refused.value.field == "emergency_reason"
    with pytest.raises(ValueError, match="emergency_reason"):
        Grounds.model_validate({"emergency_reason": "   "})
