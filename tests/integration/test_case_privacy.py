"""Case data kept to those it belongs to, and roles that mean one thing (issue 11), against a real NATS and
Postgres: the public reads Open311 without a case's inside; notes and timelines go to the office, the case's
street and its assignees; an operator never answers a task; a department never answers another's; a malformed
Open311 body is a 400 naming the field. Each refusal leaves nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.dispatch.app import create_app
from services.dispatch.settings import Settings
from services.runtime.auth import mint_token
from tests.integration.test_dispatch_lifecycle import OFFICE, World, dept
from tests.support import JWT_SECRET, bearer, serving, settings_env, unique

pytestmark = pytest.mark.integration
BASE = "/open311/v2"
NOTE = "已约谈摊主张三（身份证尾号0417），责令当日整改"
"""A task result of the kind a department writes: a name and an ID fragment, for the office's eyes."""


@pytest.fixture(scope="module")
async def world(nats_url: str, database_url: str) -> AsyncIterator[World]:
    app = create_app(Settings(**settings_env(nats_url, database_url)))
    async with serving(app) as client:
        yield World(client, app, nats_url)


def key(*roles: str) -> str:
    return mint_token(JWT_SECRET, subject="reader", roles=list(roles))


async def handled_case(world: World) -> tuple[str, str, str, str]:
    """A case whose owner acknowledged and completed its task with ``NOTE``: (case, task, owner, street)."""
    owner = unique("dept")
    case_id, task_id, street = await world.case(owner=owner)
    assert (await world.post(f"/tasks/{task_id}/acknowledge", dept(owner))).status_code == 204
    assert (await world.post(f"/tasks/{task_id}/complete", dept(owner), {"result": NOTE})).status_code == 204
    return case_id, task_id, owner, street


async def open311(world: World, path: str, **params: str) -> httpx.Response:
    return await world.client.get(f"{BASE}/{path}", params=params)


async def test_an_anonymous_reader_gets_public_fields_and_no_internal_notes(world: World) -> None:
    case_id, _, owner, street = await handled_case(world)

    [public] = (await open311(world, f"requests/{case_id}.json")).json()
    updates = (await open311(world, f"requests/{case_id}/updates.json")).json()
    # The feed runs oldest first: on a database other tests filled, this case's item keeps it on the first page.
    feed = await open311(world, "requests/updates.json", page_size="1000", service_code=public["service_code"])
    listed = await open311(world, "requests.json", service_request_id=case_id)
    xml = await open311(world, f"requests/{case_id}/updates.xml")

    assert (public["status"], public["linkage_status"]) == ("open", "handled")
    assert public["service_code"]
    assert public["requested_datetime"]
    assert (public["description"], public["address"]) == (None, None)
    assert [u["action"] for u in updates] == ["reported", "accepted", "handled"]  # status changes only
    assert all(u["description"] is None for u in updates)
    for response in (feed, listed, xml):
        assert response.status_code == 200
        assert "张三" not in response.text
        assert "人行道上有流动摊贩" not in response.text  # the reporter's description
    assert case_id in feed.text

    # The inside, to those it belongs to: the office, the case's street, its assignee.
    for reader in (key("office"), key(f"street:{street}"), key(f"department:{owner}")):
        inside = (await open311(world, f"requests/{case_id}/updates.json", api_key=reader)).text
        assert "张三" in inside
        [request] = (await open311(world, f"requests/{case_id}.json", api_key=reader)).json()
        assert request["description"] == "人行道上有流动摊贩"
    stranger = key(f"department:{unique('dept')}")
    assert "张三" not in (await open311(world, f"requests/{case_id}/updates.json", api_key=stranger)).text
    bad = await open311(world, f"requests/{case_id}.json", api_key="not-a-token")
    assert (bad.status_code, bad.json()[0]["code"]) == (403, 403)

    for outsider in (bearer("operator"), bearer(f"department:{unique('dept')}"), bearer("smartcity")):
        for path in (f"/cases/{case_id}/timeline", f"/cases/{case_id}"):
            refused = await world.client.get(path, headers=outsider)
            assert refused.status_code == 403, (path, refused.text)
            assert "张三" not in refused.text
    for insider in (OFFICE, bearer(f"street:{street}"), dept(owner)):
        assert NOTE in (await world.client.get(f"/cases/{case_id}/timeline", headers=insider)).text


ANSWERS: list[tuple[str, dict[str, Any]]] = [
    ("acknowledge", {}),
    ("complete", {"result": "代为办结"}),
    ("return", {"responsible_body": "other", "citation": "清单第3项", "reason": "不属本部门"}),
    ("deferral", {"reason": "需要协调"}),
]


async def test_a_department_answering_another_departments_task_is_refused_and_nothing_is_written(
    world: World,
) -> None:
    owner, intruder = unique("dept"), unique("dept")
    case_id, task_id, _ = await world.case(owner=owner)
    before = await world.timeline(case_id)

    for answer, payload in ANSWERS:
        refused = await world.post(f"/tasks/{task_id}/{answer}", dept(intruder), payload)
        assert refused.status_code == 404, (answer, refused.text)  # another's task is as good as absent
        assert refused.json()["detail"][0]["loc"] == ["path", "task_id"]

    assert await world.timeline(case_id) == before
    [task] = (await world.case_view(case_id))["tasks"]
    assert (task["status"], task["acknowledged_at"], task["result"]) == ("assigned", None, None)
    assert (await world.client.get(f"/tasks/{task_id}/deferrals", headers=OFFICE)).json() == []


async def test_an_operator_never_answers_a_task_and_nothing_is_written(world: World) -> None:
    owner = unique("dept")
    case_id, task_id, _ = await world.case(owner=owner)
    before = await world.timeline(case_id)
    operator = bearer("operator", subject="ops-li")

    for answer, payload in ANSWERS:
        refused = await world.post(f"/tasks/{task_id}/{answer}", operator, payload)
        assert refused.status_code == 403, (answer, refused.text)
        assert "operator" in refused.text

    assert await world.timeline(case_id) == before
    [task] = (await world.case_view(case_id))["tasks"]
    assert (task["status"], task["acknowledged_at"], task["result"]) == ("assigned", None, None)
    assert (await world.client.get("/tasks", headers=operator)).json() == []  # an operator's inbox is empty
    assert (await world.client.get("/deferrals", headers=operator)).status_code == 403
    # An operator who also holds the owner's role acts as that department, not as an operator.
    both = bearer("operator", f"department:{owner}")
    assert (await world.post(f"/tasks/{task_id}/acknowledge", both)).status_code == 204


@pytest.mark.parametrize("attribute", ["x", ["grid_code"], 7, True])
async def test_an_open311_json_attribute_that_is_no_object_is_a_400_naming_it(world: World, attribute: object) -> None:
    payload = {"api_key": key("smartcity"), "service_code": "X", "lat": "47.3", "long": "123.9", "attribute": attribute}

    response = await world.client.post(f"{BASE}/requests.json", json=payload)

    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400
    assert error["description"].startswith("attribute must be an object")
