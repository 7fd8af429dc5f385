"""Events of the joint-enforcement service ("1+2+N", 双随机、一公开), stream ENFORCEMENT."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from contracts.base import CODE_PATTERN, IntegrationEvent


class MatterRegistered(IntegrationEvent):
    """抽查事项: an inspection matter enters the list, linked to a power-list catalogue item."""

    TYPE: ClassVar[str] = "enforcement.matter.registered.v1"

    matter_id: uuid.UUID = Field(description="Inspection matter id")
    item_code: str = Field(pattern=CODE_PATTERN, description="Power-list catalogue item the matter inspects")
    name: str = Field(min_length=1, max_length=200, description="Matter name")
    department_code: str = Field(pattern=CODE_PATTERN, description="Department that inspects")
