"""The case board and a triaged case's page against a fake dispatch (the console's side of the calls): which
route each person's board reads with which filters, and the office's 人工派遣 and 不予受理 forms, the service's
own messages beside the fields."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import httpx
import pydantic
from fastapi.testclient import TestClient

from services.console.app import create_app
from services.console.session import COOKIE
from services.console.settings import ConsoleSettings
from services.dispatch.api.schemas import ByHand, Refusal
from services.runtime.auth import mint_token

SECRET = secrets.token_hex(32)
DISPATCH = "http://dispatch.test"
CASE_ID = str(uuid.uuid4())
TRIAGED: dict[str, Any] = {
    "id": CASE_ID,
    "source_system": "open311",
    "source_id": "r-1",
    "item_code": "GX-001",
    "grid_code": None,
    "street_code": None,
    "description": "路灯不亮",
    "status": "triage",
    "triage_reason": "坐标不在任何网格内",
    "reported_at": "2026-03-01T09:00:00+08:00",
    "return_count": 0,
    "rework_count": 0,
    "tasks": [],
}


class FakeDispatch:
    """Dispatch's routes the board and the case page call; each request kept for the test to read."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if request.method == "POST":
            return self._act(path.rsplit("/", 1)[1], json.loads(request.content or b"null"))
        if path == "/stats":
            return httpx.Response(200, json={"overdue": 3})
        if path == f"/cases/{CASE_ID}":
            return httpx.Response(200, json=TRIAGED)
        if path.endswith("/timeline"):
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=[TRIAGED] if path == "/triage" else [])

    def _act(self, action: str, body: Any) -> httpx.Response:
        schemas: dict[str, type[pydantic.BaseModel]] = {"dispatch-by-hand": ByHand, "refuse": Refusal}
        schema = schemas[action]
        try:
            schema.model_validate(body)
        except pydantic.ValidationError as error:
            detail = [{"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in error.errors()]
            return httpx.Response(422, json={"detail": detail})
        return httpx.Response(204)

    def params(self, path: str) -> list[dict[str, str]]:
        return [dict(r.url.params) for r in self.seen if r.url.path == path and r.method == "GET"]


def signed_in(role: str) -> tuple[TestClient, FakeDispatch]:
    settings = ConsoleSettings(jwt_secret=SECRET, console_dev_signin=True, dispatch_url=DISPATCH)
    app = create_app(settings)
    fake = FakeDispatch()
    app.state.console.upstream.client = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set(COOKIE, mint_token(SECRET, subject="张三", roles=[role]))
    return client, fake


def test_the_office_board_passes_department_and_overdue_and_shows_the_triage_queue() -> None:
    client, fake = signed_in("office")
    answer = client.get("/cases", params={"assignee_code": "cgj", "overdue": "true", "street_code": ""})
    assert answer.status_code == 200
    assert fake.params("/cases")[0] == {"assignee_code": "cgj", "overdue": "true"}
    assert {"status": "arbitration"} in fake.params("/cases")
    assert fake.params("/triage") == [{}]
    assert f'href="/cases/{CASE_ID}"' in answer.text
    assert "坐标不在任何网格内" in answer.text
    assert "待人工派遣" in answer.text  # the status label


def test_a_street_reads_its_own_list() -> None:
    client, fake = signed_in("street:hongxing")
    answer = client.get("/cases", params={"status": "closed"})
    assert answer.status_code == 200
    assert fake.params("/streets/hongxing/cases") == [{"status": "closed"}]
    assert fake.params("/triage") == []
    assert fake.params("/cases") == []
    assert fake.params("/stats") == []
    assert "本单位案件" in answer.text


def test_a_department_searches_its_own_code() -> None:
    client, fake = signed_in("department:cgj")
    assert client.get("/cases", params={"overdue": "false"}).status_code == 200
    assert fake.params("/cases") == [{"assignee_code": "cgj", "overdue": "false"}]


def test_a_triaged_case_offers_the_office_dispatch_by_hand_and_refusal() -> None:
    client, _ = signed_in("office")
    page = client.get(f"/cases/{CASE_ID}").text
    assert f'action="/cases/{CASE_ID}/dispatch-by-hand"' in page
    assert f'action="/cases/{CASE_ID}/refuse"' in page
    street, _ = signed_in("street:hongxing")
    assert "dispatch-by-hand" not in street.get(f"/cases/{CASE_ID}").text


def test_a_blank_dispatch_by_hand_shows_the_services_messages_beside_the_fields() -> None:
    client, fake = signed_in("office")
    answer = client.post(f"/cases/{CASE_ID}/dispatch-by-hand", data={"assignee_code": "", "reason": ""})
    assert answer.status_code == 422
    assert 'data-field="assignee_code"' in answer.text
    assert 'data-field="reason"' in answer.text
    assert "Input should be a valid string" in answer.text  # pydantic's own words, as dispatch gives them
    sent = json.loads(fake.seen[0].content)
    assert sent == {"assignee_code": None, "street_code": None, "reason": None}


def test_dispatch_by_hand_and_refusal_go_through_and_come_back_to_the_case() -> None:
    client, fake = signed_in("office")
    form = {"assignee_code": "cgj", "street_code": "hongxing", "reason": "依据清单派城管局"}
    answer = client.post(f"/cases/{CASE_ID}/dispatch-by-hand", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/cases/{CASE_ID}?done=dispatch-by-hand"
    assert json.loads(fake.seen[0].content) == form
    refused = client.post(f"/cases/{CASE_ID}/refuse", data={"reason": "非本区事项"}, follow_redirects=False)
    assert refused.status_code == 303
