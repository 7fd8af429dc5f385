"""演示数据 loaded over HTTP like any client would (``linkage up --demo``): the Longsha-shaped catalogue
(``catalog_demo_build``) as one new catalogue version, then each street's list claimed and submitted by the
street, reviewed, filed and published by the office (一街一单). Loading it again changes nothing and makes no
version, and publishes only the streets not yet published.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from services.platform.catalog_demo_build import DemoCatalogue, demo_catalogue
from services.platform.catalog_demo_data import FIGURES, SEED, STREETS
from services.platform.errors import PlatformError

__all__ = ["FIGURES", "SEED", "STREETS", "DemoCatalogue", "DemoLoaded", "demo_catalogue", "load", "load_with"]
Tokens = Callable[..., str]
"""A bearer token for the roles given (``tokens("office")``, ``tokens("street:wulong")``)."""


@dataclass(frozen=True)
class DemoLoaded:
    version: int | None  # None when the catalogue already held it all
    published: tuple[str, ...]  # streets whose list this load published


def load(url: str, tokens: Tokens, *, seed: int = SEED, emergency_reason: str | None = None) -> DemoLoaded:
    """The demo into the catalogue at ``url``, with the tokens a street and the office would hold.

    Into an empty catalogue the demo is the district's founding list and passes freely; into one that holds
    other items it widens street duties, which only an ``emergency_reason`` lets through (唯一入口)."""
    steps = _steps(demo_catalogue(seed), emergency_reason)
    with httpx.Client(base_url=url, timeout=300, trust_env=False) as client:
        try:
            step = next(steps)
            while True:
                step = steps.send(_answer(client.request(**step.request(tokens))))
        except StopIteration as done:
            loaded: DemoLoaded = done.value
            return loaded


async def load_with(
    client: httpx.AsyncClient, tokens: Tokens, *, seed: int = SEED, emergency_reason: str | None = None
) -> DemoLoaded:
    """``load`` through a client of one's own (a test's, a benchmark's)."""
    steps = _steps(demo_catalogue(seed), emergency_reason)
    try:
        step = next(steps)
        while True:
            step = steps.send(_answer(await client.request(**step.request(tokens))))
    except StopIteration as done:
        loaded: DemoLoaded = done.value
        return loaded


@dataclass(frozen=True)
class _Step:
    method: str
    path: str
    roles: tuple[str, ...] = ()
    body: dict[str, Any] | None = None

    def request(self, tokens: Tokens) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {tokens(*self.roles)}"} if self.roles else {}
        return {"method": self.method, "url": self.path, "json": self.body, "headers": headers}


def _steps(demo: DemoCatalogue, emergency_reason: str | None) -> Generator[_Step, Any, DemoLoaded]:
    """The requests, each answered (its JSON) before the next: the load, then every street not yet published."""
    grounds = {} if emergency_reason is None else {"emergency_reason": emergency_reason}
    loaded = yield _Step("POST", "/catalogue", ("office",), demo.body() | grounds)
    published = {found["street_code"] for found in (yield _Step("GET", "/public/streets"))}
    streets = sorted(set(STREETS) - published)
    for street in streets:
        claimed = [i.item_code for i in demo.items if not i.street_codes or street in i.street_codes]
        yield from _publish(street, claimed)
    return DemoLoaded(version=loaded["version"], published=tuple(streets))


def _publish(street: str, claimed: list[str]) -> Iterator[_Step]:
    """一街一单: the street claims and submits; the office approves, files under its own number and publishes."""
    lists, own = f"/street-lists/{street}", (f"street:{street}",)
    yield _Step("PUT", f"{lists}/items", own, {"item_codes": claimed})
    yield _Step("POST", f"{lists}/submit", own)
    yield _Step("POST", f"{lists}/review", ("office",), {"decision": "approve", "comments": "演示数据：审核通过"})
    yield _Step("POST", f"{lists}/file", ("office",), {})
    yield _Step("POST", f"{lists}/publish", ("office",))


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        where = f"{response.request.method} {response.request.url.path}"
        raise PlatformError(f"the demo dataset was refused at {where}: {response.status_code} {response.text[:2000]}")
    return response.json()
