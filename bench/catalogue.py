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


async def law_change_impact(base_url: str, token: str, *, count: int) -> Measured:
    """一对一 impact over the Longsha-size demo catalogue: ``GET /laws/{id}/impact`` for every cited law in turn
    (law → clauses → tasks → items → published street lists), after loading the demo."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300, trust_env=False) as client:
        loaded = await client.post("/catalogue/demo")
        if loaded.status_code >= 400:
            return Measured(None, f"the demo dataset was refused: {loaded.status_code}")
        demo = importlib.import_module("services.catalog.demo").demo_catalogue()
        cited = sorted({ref.law_id for item in demo.items for ref in item.legal_basis})
        return Measured(await timed(http_probe(client, "/laws/{code}/impact"), cited, count=count), "over HTTP")


async def street_list_render(base_url: str, *, count: int) -> Measured:
    """A street's published list page (HTML, public) from the demo's five streets."""
    streets = sorted(importlib.import_module("services.catalog.demo").STREETS)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False) as client:
        return Measured(await timed(http_probe(client, "/public/streets/{code}"), streets, count=count), "over HTTP")
