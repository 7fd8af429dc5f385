"""The door's records (唯一入口): the admission approvals the catalogue applied. The versions made on the
emergency path (紧急情况) are marked by the version's own diff (``CatalogStore.version_list(marked=...)``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.catalog.domain.door import Approval
from services.catalog.domain.items import ItemSpec
from services.catalog.store.tables import approvals


class DoorStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, application_id: uuid.UUID, item_code: str, item: ItemSpec | None) -> None:
        """Once per application: a redelivered approval keeps its first record."""
        state = None if item is None else item.model_dump(mode="json")
        statement = insert(approvals).values(application_id=application_id, item_code=item_code, item=state)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=[approvals.c.application_id]))

    async def approval(self, application_id: uuid.UUID) -> Approval | None:
        query = sa.select(approvals).where(approvals.c.application_id == application_id)
        row = (await self.session.execute(query)).first()
        if row is None:
            return None
        item = None if row.item is None else ItemSpec.model_validate(row.item)
        return Approval(row.application_id, row.item_code, row.approved_at, item)
