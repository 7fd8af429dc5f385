"""The draw's use cases (双随机): commit, reveal the seed, re-draw, and the public record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts.events.enforcement import DrawCommitted, DrawRedrawn, DrawRevealed
from services.enforcement.domain.draw import draw, drawn_from_json
from services.enforcement.domain.pools import CommitDraw, MatterEntry, committed_for
from services.enforcement.domain.randomness import commitment_of
from services.enforcement.domain.record import METHOD, check_committable, redraw
from services.enforcement.domain.spec import DrawRefused, committed_from_json
from services.enforcement.store.draws import DrawRecord, DrawStore, Redraw
from services.enforcement.store.registers import RegisterStore
from services.runtime.errors import Conflict, NotFound, Rejected
from services.runtime.uow import UnitOfWork


async def commit_draw(uow: UnitOfWork, command: CommitDraw) -> DrawRecord:
    """抽取承诺: pools and constraints fixed and hashed; the hash goes out before any seed can be entered."""
    async with uow:
        committed = await _committed(uow, command)
        doc = committed.to_json()
        record = DrawRecord(
            uuid.uuid4(), command.name, doc, commitment_of(doc), uow.actor, datetime.now(UTC), None, None, None
        )
        await uow.repository(DrawStore).add(**{k: v for k, v in vars(record).items() if k != "redraws"})
        await uow.audit(action="draw.committed", entity=f"draw:{record.id}", after={"commitment": record.commitment})
        await uow.emit(_committed_event(record, command, doc), about=str(record.id))
        await uow.commit()
    return record


async def _committed(uow: UnitOfWork, command: CommitDraw) -> Any:
    registers = uow.repository(RegisterStore)
    ids = [uuid.UUID(m) for m in command.matter_ids if _is_uuid(m)]
    matters = [MatterEntry(str(m.id), m.department_code, m.terms) for m in await registers.matters(ids)]
    try:
        committed = committed_for(command, matters, await registers.targets(), await registers.officers())
        check_committable(committed)
    except DrawRefused as refused:
        raise Rejected(refused.message, field=refused.field) from refused
    return committed


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _committed_event(record: DrawRecord, command: CommitDraw, doc: dict[str, Any]) -> DrawCommitted:
    return DrawCommitted(
        draw_id=record.id,
        name=record.name,
        commitment=record.commitment,
        algorithm=doc["algorithm"],
        seed_source=command.seed_source,
        seed_not_before=command.seed_not_before,
        matters=len(doc["matters"]),
        targets=len(doc["targets"]),
        officers=len(doc["officers"]),
    )


async def reveal_seed(uow: UnitOfWork, draw_id: uuid.UUID, seed: str, *, now: datetime) -> DrawRecord:
    """种子公开: only after the commitment's named moment, once; the draw is made from it at once."""
    async with uow:
        record = await _draw(uow, draw_id, lock=True)
        if record.seed is not None:
            raise Conflict(f"draw {draw_id} already has its seed", field="seed")
        not_before = datetime.fromisoformat(record.committed["plan"]["seed_not_before"])
        if now < not_before:
            message = f"seed supplied before the commitment allows it: not before {not_before.isoformat()}"
            raise Rejected(message, field="seed")
        result = _drawn(record, seed)
        await uow.repository(DrawStore).reveal(draw_id, seed=seed, at=now, result=result)
        await uow.audit(action="draw.revealed", entity=f"draw:{draw_id}", after={"seed": seed})
        revealed = DrawRevealed(
            draw_id=draw_id,
            commitment=record.commitment,
            seed=seed,
            result_digest=commitment_of(result),
            inspections=len(result["inspections"]),
        )
        await uow.emit(revealed, about=str(draw_id))
        await uow.commit()
    return await _reread(uow, draw_id)


def _drawn(record: DrawRecord, seed: str) -> dict[str, Any]:
    try:
        return draw(committed_from_json(record.committed), seed).to_json()
    except DrawRefused as refused:
        raise Rejected(refused.message, field=refused.field) from refused


async def redraw_draw(uow: UnitOfWork, draw_id: uuid.UUID, *, reason: str, barred: frozenset[str]) -> DrawRecord:
    """重新抽取: appended with its reason; the first result and earlier re-draws stay on the record."""
    async with uow:
        record = await _draw(uow, draw_id, lock=True)
        if record.seed is None or record.current is None:
            raise Conflict(f"draw {draw_id} has no seed yet: nothing to re-draw", field="barred")
        seq = len(record.redraws) + 1
        result = _redrawn(record, record.seed, seq, barred)
        entry = Redraw(seq, reason, tuple(sorted(barred)), result, datetime.now(UTC))
        await uow.repository(DrawStore).add_redraw(draw_id, entry)
        await uow.audit(action="draw.redrawn", entity=f"draw:{draw_id}", after={"seq": seq, "reason": reason})
        event = DrawRedrawn(
            draw_id=draw_id, seq=seq, reason=reason, barred=entry.barred, result_digest=commitment_of(result)
        )
        await uow.emit(event, about=str(draw_id))
        await uow.commit()
    return await _reread(uow, draw_id)


def _redrawn(record: DrawRecord, seed: str, seq: int, barred: frozenset[str]) -> dict[str, Any]:
    current = drawn_from_json(record.current or {})
    try:
        return redraw(committed_from_json(record.committed), seed, current, seq=seq, barred=barred).to_json()
    except DrawRefused as refused:
        raise Rejected(refused.message, field=refused.field) from refused


async def _draw(uow: UnitOfWork, draw_id: uuid.UUID, *, lock: bool = False) -> DrawRecord:
    record = await uow.repository(DrawStore).get(draw_id, lock=lock)
    if record is None:
        raise NotFound(f"no draw {draw_id}", field="draw_id", location="path")
    return record


async def _reread(uow: UnitOfWork, draw_id: uuid.UUID) -> DrawRecord:
    async with uow:
        return await _draw(uow, draw_id)


async def draw_record(uow: UnitOfWork, draw_id: uuid.UUID) -> dict[str, Any]:
    """The public record (抽取记录): everything needed to recompute the draw, nothing else."""
    return public_record(await _reread(uow, draw_id))


def public_record(record: DrawRecord) -> dict[str, Any]:
    return {
        "draw_id": str(record.id),
        "name": record.name,
        "method": METHOD,
        "committed": record.committed,
        "commitment": record.commitment,
        "committed_at": record.committed_at.isoformat(),
        "seed": record.seed,
        "revealed_at": record.revealed_at.isoformat() if record.revealed_at else None,
        "result": record.result,
        "redraws": [_redraw_json(r) for r in record.redraws],
    }


def _redraw_json(entry: Redraw) -> dict[str, Any]:
    values = {"seq": entry.seq, "reason": entry.reason, "barred": list(entry.barred), "result": entry.result}
    return values | {"at": entry.at.isoformat()}


async def draws(uow: UnitOfWork) -> list[DrawRecord]:
    async with uow:
        return await uow.repository(DrawStore).listed()
