"""Routes every service has: liveness, readiness, metrics, delivery health and the dead-letter list for operators."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from services.runtime.auth import Principal
from services.runtime.deps import Operator, kit_of
from services.runtime.errors import Conflict, NotFound
from services.runtime.health import DeliveryHealth, delivery_health, gauges_of
from services.runtime.ops_store import DeadLetter, OpsStore

if TYPE_CHECKING:
    from services.runtime.kit import ServiceKit

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)
PUBLIC_VERDICTS = {"database": "unreachable", "broker": "not connected", "consumers": "not ready"}
"""What ``/readyz`` says of a failed check to anyone who asks: an error's text names hosts, roles and schemas, so
it goes to the log, and operators read the figures at ``/ops/health``."""


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: broker connected, streams and consumers match, database reachable")
async def readyz(request: Request) -> JSONResponse:
    checks = await kit_of(request).readiness()
    ready = all(verdict == "ok" for verdict in checks.values())
    said: dict[str, str] = {}
    for check, verdict in checks.items():
        if verdict != "ok":
            log.warning("not ready: %s: %s", check, verdict)
        said[check] = "ok" if verdict == "ok" else PUBLIC_VERDICTS.get(check, "failed")
    return JSONResponse({"ready": ready, "checks": said}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Delivery health is gathered at each scrape, so the gauges are as fresh as the scrape."""
    kit = kit_of(request)
    gauges_of(kit.registry).latest = await delivery_health(kit)
    return Response(generate_latest(kit.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/ops/health", summary="Delivery health: consumer lag, outbox backlog, dead letters by kind")
async def health(request: Request, _: Operator) -> DeliveryHealth:
    """The figures the ``/metrics`` gauges carry; what NATS or Postgres being down makes unknown is said so."""
    return await delivery_health(kit_of(request))


class DeadLetterPublic(BaseModel):
    id: int
    consumer: str
    subject: str
    kind: str = Field(description="Why: unparseable, handler, max-deliveries, terminated or refused")
    reason: str
    deliveries: int
    created_at: datetime
    replayed_at: datetime | None
    body: str

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterPublic:
        fields = {name: getattr(letter, name) for name in cls.model_fields}
        return cls.model_validate({**fields, "body": letter.body.decode("utf-8", errors="replace")})


@router.get("/ops/dead-letters", summary="Messages that could not be handled (死信)")
async def list_dead_letters(request: Request, _: Operator, limit: int = 100) -> list[DeadLetterPublic]:
    kit = kit_of(request)
    async with kit.uow() as uow:
        letters = await uow.repository(OpsStore.over(kit.tables)).dead_letters(min(max(limit, 1), 1000))
    return [DeadLetterPublic.of(letter) for letter in letters]


@router.post("/ops/dead-letters/{dead_letter_id}/replay", summary="Hand a dead letter to its consumer again")
async def replay_dead_letter(
    request: Request, dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)], operator: Operator
) -> DeadLetterPublic:
    """Only the consumer that gave up sees it again: nothing is re-published, so no other consumer is touched.

    Every replay asked for is audited under the operator's name, a failed one too: the handler ran (and
    rolled back), and who keeps retrying a poison message, with what error, is worth knowing.
    """
    kit = kit_of(request)
    async with kit.uow() as uow:
        letter = await uow.repository(OpsStore.over(kit.tables)).dead_letter(dead_letter_id)
    if letter is None:
        raise NotFound(f"no dead letter {dead_letter_id}", field="dead_letter_id", location="path")
    try:
        await _handler(kit, letter)(letter.body, letter.subject)  # the subject picks the contract
    except Exception as error:
        await _audit_replay(kit, operator, letter, error=error)
        raise Conflict(f"replay failed again: {error}", field="dead_letter_id", location="path") from error
    now = await _audit_replay(kit, operator, letter, error=None)
    return DeadLetterPublic.of(replace(letter, replayed_at=now))


def _handler(kit: ServiceKit, letter: DeadLetter) -> Callable[[bytes, str], Awaitable[None]]:
    """What handles a message of the consumer that gave up on it (a lookup error when no consumer here did)."""
    consumer = next((c for c in kit.consumers if c.durable == letter.consumer), None)
    if consumer is None:
        raise LookupError(f"{letter.consumer} is not a consumer of this service")
    return consumer.handle


async def _audit_replay(
    kit: ServiceKit, operator: Principal, letter: DeadLetter, *, error: Exception | None
) -> datetime:
    """The audit row of a replay, with the ``replayed_at`` update in the same unit of work when it succeeded."""
    now = datetime.now(UTC)
    before = {"replayed_at": letter.replayed_at.isoformat() if letter.replayed_at else None}
    # The replay route admits operators only, so that is the role every replay acts in.
    async with kit.uow(actor=operator.subject, role="operator") as uow:
        if error is None:
            await uow.repository(OpsStore.over(kit.tables)).mark_replayed(letter.id, at=now)
            after: dict[str, str | None] = {"replayed_at": now.isoformat()}
        else:
            after = {**before, "error": str(error)[:1000]}
        action = "dead_letter.replayed" if error is None else "dead_letter.replay_failed"
        await uow.audit(action=action, entity=f"dead_letter:{letter.id}", before=before, after=after)
        await uow.commit()
    return now
