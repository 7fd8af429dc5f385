"""The Longsha-shaped demo (services/platform/catalog_demo) as tests use it: the load as the catalogue reads it,
an independent count of the items citing a law, and the demo loaded over a test's own client."""

from __future__ import annotations

import httpx

from services.catalog.domain.library import CatalogueLoad
from services.platform import catalog_demo
from services.runtime.auth import mint_token
from tests.support import JWT_SECRET


def demo_load(seed: int = catalog_demo.SEED) -> CatalogueLoad:
    """The demo's ``POST /catalogue`` body, validated as the catalogue validates it."""
    return CatalogueLoad.model_validate(catalog_demo.demo_catalogue(seed).body())


def tokens(*roles: str) -> str:
    return mint_token(JWT_SECRET, subject="demo", roles=list(roles))


SHARED = "测试：演示清单载入与其他测试共用的清单库（紧急通道，供常委会复核）"
"""Tests share one catalogue per run, so the demo may not be its founding list: loaded on the emergency path."""


async def load_demo(client: httpx.AsyncClient) -> catalog_demo.DemoLoaded:
    """As ``linkage up --demo`` does it: the load, then each street's list claimed, reviewed, filed, published."""
    return await catalog_demo.load_with(client, tokens, emergency_reason=SHARED)


def citing_items(
    load: CatalogueLoad, law_id: str, article: str | None = None, paragraph: str | None = None
) -> set[str]:
    """Items citing a law (or one article, or one paragraph), by plain iteration: the independent count that
    tests hold the service's impact tracing against."""
    hits: set[str] = set()
    for item in load.items:
        refs = list(item.legal_basis) + [ref for task in item.tasks for ref in task.basis]
        for ref in refs:
            if ref.law_id == law_id and article in (None, ref.article) and paragraph in (None, ref.paragraph):
                hits.add(item.item_code)
    return hits
