"""Register imports (名录库导入): a whole file or nothing, every bad row reported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from services.enforcement.domain import matter_refusal
from services.enforcement.sheets.registers import MatterRow, read_matters, read_officers, read_targets
from services.enforcement.sheets.table import FileRejected, RowError, Sheet, read_sheet
from services.enforcement.store import EnforcementStore
from services.enforcement.store.registers import RegisterStore
from services.runtime.uow import UnitOfWork

__all__ = ["FileRejected", "Register", "import_register"]


class Register(StrEnum):
    OFFICERS = "officers"  # 执法人员名录库
    TARGETS = "targets"  # 检查对象名录库
    MATTERS = "matters"  # 抽查事项清单


async def import_register(uow: UnitOfWork, register: Register, data: bytes, *, filename: str) -> int:
    """Rows imported; raises ``FileRejected`` listing every problem, and then nothing is imported."""
    sheet = read_sheet(data, filename)
    async with uow:
        count = await _put(uow, register, sheet)
        await uow.audit(action=f"{register.value}.imported", entity=f"register:{register.value}", after={"rows": count})
        await uow.commit()
    return count


async def _put(uow: UnitOfWork, register: Register, sheet: Sheet) -> int:
    registers = uow.repository(RegisterStore)
    if register is Register.OFFICERS:
        officers = read_officers(sheet)
        await registers.put_officers(officers)
        return len(officers)
    if register is Register.TARGETS:
        targets = read_targets(sheet)
        await registers.put_targets(targets)
        return len(targets)
    return await _put_matters(uow, read_matters(sheet), [number for number, _ in sheet.rows])


async def _put_matters(uow: UnitOfWork, rows: list[MatterRow], numbers: list[int]) -> int:
    """Matters rest on listed power items (行政权力清单): a row on any other item refuses the file."""
    powers = uow.repository(EnforcementStore)
    errors = [
        RowError(row=number, column="事项编码", reason=reason)
        for number, row in zip(numbers, rows, strict=True)
        if (reason := matter_refusal(row.item_code, await powers.entry(row.item_code))) is not None
    ]
    if errors:
        raise FileRejected(errors)
    for row in rows:
        await _put_matter(uow, row)
    return len(rows)


async def _put_matter(uow: UnitOfWork, row: MatterRow) -> None:
    registers = uow.repository(RegisterStore)
    if await registers.put_matter_terms(row.item_code, row.department_code, row.name, row.terms):
        return
    values = {"id": uuid.uuid4(), "item_code": row.item_code, "name": row.name, "department_code": row.department_code}
    now = datetime.now(UTC)
    await uow.repository(EnforcementStore).add_matter(**values, registered_by=uow.actor, registered_at=now)
    await registers.put_matter_terms(row.item_code, row.department_code, row.name, row.terms)
