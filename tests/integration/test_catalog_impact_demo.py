"""Law-change impact over the Longsha-shaped demo catalogue, held against an independent count."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.catalog.app import create_app
from services.catalog.settings import Settings
from tests.demo_catalogue import citing_items, demo_load, load_demo
from tests.support import bearer, serving, settings_env

pytestmark = pytest.mark.integration
OFFICE = bearer("office")


@pytest.fixture(scope="module")
async def demo(nats_url: str, catalog_database: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(create_app(Settings(**settings_env(nats_url, catalog_database)))) as client:
        await load_demo(client)
        yield client


async def test_amending_one_clause_reports_exactly_the_items_that_cite_it(demo: httpx.AsyncClient) -> None:
    load = demo_load()
    whole_articles = [c for c in load.clauses if not c.paragraph and citing_items(load, c.law_id, c.article)]
    clause = max(whole_articles, key=lambda c: (len(citing_items(load, c.law_id, c.article)), c.law_id, c.article))
    expected = citing_items(load, clause.law_id, clause.article)  # by plain iteration over the generated data

    impact = (
        await demo.get(f"/laws/{clause.law_id}/impact", params={"article": clause.article}, headers=OFFICE)
    ).json()
    assert {hit["item_code"] for hit in impact["items"]} == expected

    change = {
        "change": "amended",
        "effective_on": "2027-01-01",
        "note": "条文修订（演示）",
        "clauses": [{"article": clause.article, "text": clause.text + "（修订）"}],
    }
    recorded = await demo.post(f"/laws/{clause.law_id}/changes", json=change, headers=OFFICE)
    assert recorded.status_code == 201, recorded.text
    opened = (await demo.get("/adjustments", params={"law_id": clause.law_id, "status": "open"}, headers=OFFICE)).json()
    assert {a["item_code"] for a in opened} == expected
    assert len(recorded.json()["adjustments"]) == len(expected)


async def test_every_cited_law_traces_back_to_the_items_citing_it(demo: httpx.AsyncClient) -> None:
    load = demo_load()
    for law in load.laws[:40]:
        expected = citing_items(load, law.law_id)
        found = (await demo.get(f"/laws/{law.law_id}/impact", headers=OFFICE)).json()
        assert {hit["item_code"] for hit in found["items"]} == expected, law.law_id
