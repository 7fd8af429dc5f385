"""Events of the admission service (职责准入), stream ADMISSION."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, MAX_FLAGS, IntegrationEvent
from contracts.events.catalog import ItemDefinition


class ApplicationKind(StrEnum):
    ADD = "add"  # 新增
    CHANGE = "change"  # 变更
    REMOVE = "remove"  # 取消


class ApplicationSubmitted(IntegrationEvent):
    """准入申请: a department applies to add, change or remove a duty on streets."""

    TYPE: ClassVar[str] = "admission.application.submitted.v1"

    application_id: uuid.UUID = Field(description="Application id")
    department_code: str = Field(pattern=CODE_PATTERN, description="Applying department")
    kind: ApplicationKind = Field(description="Add, change or remove")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the application concerns")
    item_name: str = Field(min_length=1, max_length=200, description="Item name")
    duplicate_of_existing: bool = Field(
        description="Automatic check: an 'add' for an item code the catalogue already holds"
    )
    flags: tuple[str, ...] = Field(
        default=(),
        max_length=MAX_FLAGS,
        description="Every automatic-check flag raised (e.g. readds_retired_item), added in v1.1",
    )


class ApplicationApproved(IntegrationEvent):
    """常委会审定: the committee approved the application; the catalogue applies it as a new version."""

    TYPE: ClassVar[str] = "admission.application.approved.v1"

    application_id: uuid.UUID = Field(description="Application id")
    kind: ApplicationKind = Field(description="Add, change or remove")
    item_code: str = Field(pattern=CODE_PATTERN, description="Catalogue item the decision concerns")
    item: ItemDefinition | None = Field(
        default=None, description="The item as approved; required for add and change, absent for remove"
    )
    reason: str = Field(min_length=1, max_length=2000, description="The decision and its grounds")
