"""Catalogue and rules: responsibility lookup by item code, law-change impact, street-list page render.

Each measurement returns a ``Measured``; one not built yet in the catalogue service returns ``value``
None with a note, so the JSON keeps its keys and a later function fills them in.
"""

from __future__ import annotations

import asyncio
import http.client
import importlib
import itertools
import time
from collections.abc import Awaitable, Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
    """``GET`` over HTTP on loopback, as a department's client would ask, on one keep-alive connection.

    The client is the standard library's ``http.client`` in a worker thread, not ``httpx.AsyncClient``: on
    these 2-core machines httpx spends 1-3 ms of CPU per request itself, more than the lookup it would time.
    Each request is still a full exchange: status checked, whole body read.
    """
    headers = {"Authorization": f"Bearer {token}"}
    paths = [path.format(code=code) for code in codes]
    latency = await asyncio.to_thread(timed_keep_alive, base_url, headers, paths, count=count)
    return Measured(latency, "one keep-alive connection")


def timed_keep_alive(
    base_url: str,
    headers: dict[str, str],
    paths: Sequence[str],
    *,
    count: int,
    warmup: int = 50,
    statuses: Container[int] = range(400),
) -> stats.Latency | None:
    """Like ``timed``, blocking: closed loop, one request at a time, cycling through ``paths``, on one keep-alive
    ``http.client`` connection; each request's status checked (one not in ``statuses`` raises) and whole body
    read."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    cycle, samples = itertools.cycle(paths), []
    try:
        for n in range(warmup + count):
            start = time.perf_counter()
            connection.request("GET", next(cycle), headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status not in statuses:
                raise RuntimeError(f"GET {url.netloc}: {response.status} {body[:200]!r}")
            if n >= warmup:
                samples.append(time.perf_counter() - start)
    finally:
        connection.close()
    return stats.latency(samples)


async def lookup_in_process(database_url: str, codes: Sequence[str], *, count: int) -> Measured:
    """The catalogue's own use case against its store, without HTTP, JWT or JSON."""
    try:
        service = importlib.import_module("services.catalog.service.items")
        catalog_reads = importlib.import_module("services.catalog.store.items").CatalogReads
        from services.runtime.db import create_engine
    except (ImportError, AttributeError) as error:
        return Measured(None, f"the catalogue's use case moved: {error}")
    engine = create_engine(database_url, pool_size=1)
    reads = catalog_reads(engine)

    async def probe(code: str) -> None:
        await service.item_as_of(reads, code, as_of=None)

    try:
        return Measured(await timed(probe, codes, count=count))
    except Exception as error:
        return Measured(None, f"in-process lookup failed: {error!r}")
    finally:
        await engine.dispose()


async def law_change_impact(base_url: str, tokens: Callable[..., str], *, count: int) -> Measured:
    """一对一 impact over the Longsha-size demo catalogue: ``GET /laws/{id}/impact`` for every cited law in turn
    (law → clauses → tasks → items → published street lists), after loading the demo as ``linkage up --demo``
    does (``tokens(*roles)``: the office's and each street's)."""
    catalog_demo = importlib.import_module("services.platform.catalog_demo")
    headers = {"Authorization": f"Bearer {tokens('office')}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=300, trust_env=False) as client:
        try:
            # the bench workload is this catalogue's founding list, so the demo widens street duties (唯一入口)
            await catalog_demo.load_with(client, tokens, emergency_reason="基准测试：演示清单载入基准清单库")
        except Exception as error:
            return Measured(None, f"the demo dataset was refused: {error}")
        demo = catalog_demo.demo_catalogue()
        cited = sorted({ref.law_id for item in demo.items for ref in item.legal_basis})
        return Measured(await timed(http_probe(client, "/laws/{code}/impact"), cited, count=count), "over HTTP")


async def street_list_render(base_url: str, *, count: int) -> Measured:
    """A street's published list page (HTML, public) from the demo's five streets."""
    streets = sorted(importlib.import_module("services.platform.catalog_demo").STREETS)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False) as client:
        return Measured(await timed(http_probe(client, "/public/streets/{code}"), streets, count=count), "over HTTP")
