"""The base of every integration event and the value types several events share."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

DISTRICT_TZ = ZoneInfo("Asia/Shanghai")
"""The district's time zone, the one definition: dates in events and the dates people give (effective dates,
``as_of``, deadlines on the working calendar) are calendar dates there."""


class IntegrationEvent(BaseModel):
    """A fact one service tells the others, past tense, versioned by its subject.

    ``TYPE`` is the subject without routing tokens and doubles as the CloudEvents ``type``.
    ``ROUTED`` events append one routing token (e.g. the assignee code) to that subject.
    Consumers ignore unknown fields, so a v1 event may gain optional fields only.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str]
    ROUTED: ClassVar[bool] = False

    @classmethod
    def subject(cls, token: str | None = None) -> str:
        """The NATS subject to publish on; routed events need their routing token."""
        if (token is not None) != cls.ROUTED:
            raise ValueError(f"{cls.TYPE} {'needs' if cls.ROUTED else 'takes no'} routing token")
        return cls.TYPE if token is None else f"{cls.TYPE}.{token}"

    @classmethod
    def filter_subject(cls) -> str:
        """The subject a consumer of every instance of this event filters on."""
        return f"{cls.TYPE}.*" if cls.ROUTED else cls.TYPE


class TimeUnit(StrEnum):
    """时限单位: how a time limit is counted."""

    WORKING_DAY = "working_day"
    WORKING_HOUR = "working_hour"
    NATURAL_DAY = "natural_day"


class TimeLimit(BaseModel):
    """办理时限: a duty's time limit as the catalogue states it."""

    model_config = ConfigDict(frozen=True)

    value: int = Field(gt=0, description="How many units the assignee has")
    unit: TimeUnit = Field(description="Working days, working hours or natural days")


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""Codes (items, organisations, grids) double as NATS routing tokens, so no dots, spaces or wildcards."""


# Bounds on list fields. Real data (DOMAIN.md's figures for a district) fits with room to spare, and no list grows
# without limit; ``UnitOfWork.emit`` still measures every event against the bus's max_payload, texts included.
MAX_ORGANISATIONS = 100
"""Organisations one event names (co-operating units, streets, departments summoned): a district has a few dozen."""
MAX_ITEMS = 2000
"""Catalogue items one event names: every list a district keeps (112 reference, 21 differentiated, 46 power, 56
service and 52 community items) several times over; a street claims at most as many."""
MAX_CLAUSES = 100
"""Clauses one item or one task rests on: the reference catalogue cites 693 clauses for 112 items and 722 tasks."""
MAX_TASKS = 100
"""Tasks under one item: the reference catalogue has 389 department and 333 street tasks for 112 items."""
MAX_CHANGED_CLAUSES = 5000
"""Clauses one change of a legal document touches: every article of a long code, paragraph by paragraph."""
MAX_SITUATIONS = 50
"""Accountability situations (问责情形) one item names: the report counts 7."""
MAX_FLAGS = 20
"""Automatic-check flags on one admission application: there are two kinds so far."""
