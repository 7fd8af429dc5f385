"""Catalogue and rules: responsibility lookup by item code, law-change impact, street-list page render.

Each measurement returns a ``Measured``; one not built yet in the catalogue service returns ``value``
None with a note, so the JSON keeps its keys and a later function fills them in.
"""

from __future__ import annotations

import importlib
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bench import stats

Probe = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Measured:
    latency: stats.Latency | None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"latency": self.latency.as_json() if self.latency else None, "note": self.note}


async def timed(probe: Probe, codes: Sequence[str], *, count: int, warmup: int = 50) -> stats.Latency | None:
    """Closed loop, one request at a time, cycling through ``codes``."""
    cycle = itertools.cycle(codes)
    for _ in range(warmup):
        await probe(next(cycle))
    samples = []
    for _ in range(count):
        code = next(cycle)
        start = time.perf_counter()
        await probe(code)
        samples.append(time.perf_counter() - start)
    return stats.latency(samples)


def http_probe(client: httpx.AsyncClient, path: str) -> Probe:
    async def probe(code: str) -> None:
        response = await client.get(path.format(code=code))
        response.raise_for_status()

    return probe


async def lookup_http(base_url: str, token: str, codes: Sequence[str], *, count: int, path: str) -> Measured:
    """``GET`` over HTTP on loopback, as a department's client would ask."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10, trust_env=False) as client:
        return Measured(await timed(http_probe(client, path), codes, count=count))


async def lookup_in_process(database_url: str, codes: Sequence[str], *, count: int) -> Measured:
    """The catalogue's own use case against its store, without HTTP, JWT or JSON."""
    try:
        service = importlib.import_module("services.catalog.service.items")
        store = importlib.import_module("services.catalog.store")
        from services.runtime.db import create_engine, sessionmaker
        from services.runtime.uow import UnitOfWork
    except ImportError as error:
        return Measured(None, f"the catalogue's use case moved: {error}")
    engine = create_engine(database_url, pool_size=1)
    sessions = sessionmaker(engine)

    async def probe(code: str) -> None:
        await service.item_as_of(UnitOfWork(sessions, store.plumbing, source="/bench"), code, as_of=None)

    try:
        return Measured(await timed(probe, codes, count=count))
    except Exception as error:
        return Measured(None, f"in-process lookup failed: {error!r}")
    finally:
        await engine.dispose()


async def law_change_impact() -> Measured:
    """一对一 impact of a law change over the Longsha-size demo catalogue: not built yet."""
    return Measured(None, "law-change impact is not built yet (issue 3); no figure")


async def street_list_render() -> Measured:
    """A street's published list page: not built yet."""
    return Measured(None, "street-list page is not built yet (issue 3); no figure")
