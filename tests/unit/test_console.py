"""The console's own logic, no services behind it: sign-in, the expired-token path, field errors, the waterfall."""

from __future__ import annotations

import secrets
import time

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

from services.console.app import create_app
from services.console.session import COOKIE
from services.console.settings import ConsoleSettings
from services.console.spans import Span, SpanStore, waterfall
from services.console.upstream import Answer
from services.runtime.auth import ALGORITHM, mint_token
from services.runtime.docs import serve_docs_locally

SECRET = secrets.token_hex(32)
DEAD = "http://127.0.0.1:9"  # nothing listens: every page must still answer, saying which service is missing


def console(*, dev: bool = True) -> TestClient:
    urls = {f"{name}_url": DEAD for name in ("catalog", "admission", "dispatch", "evaluation", "enforcement")}
    settings = ConsoleSettings(jwt_secret=SECRET, console_dev_signin=dev, upstream_timeout_s=1, **urls)
    return TestClient(create_app(settings), base_url="http://127.0.0.1")


def test_choosing_a_role_and_an_organisation_mints_a_platform_token() -> None:
    client = console()
    answer = client.post("/signin", data={"kind": "department", "org": "cgj", "name": "张三"}, follow_redirects=False)
    assert answer.status_code == 303
    claims = jwt.decode(client.cookies[COOKIE], SECRET, algorithms=[ALGORITHM], audience="linkage")
    assert claims["roles"] == ["department:cgj"]
    assert claims["sub"] == "张三"
    assert "httponly" in answer.headers["set-cookie"].lower()
    assert "samesite=strict" in answer.headers["set-cookie"].lower()


def test_a_scoped_role_without_its_organisation_is_refused_beside_the_field() -> None:
    answer = console().post("/signin", data={"kind": "street", "org": ""})
    assert answer.status_code == 422
    assert 'data-field="org"' in answer.text
    assert "单位代码" in answer.text
    assert COOKIE not in answer.cookies


def test_without_local_sign_in_no_token_is_minted() -> None:
    answer = console(dev=False).post("/signin", data={"kind": "office"}, follow_redirects=False)
    assert answer.status_code == 422
    assert COOKIE not in answer.cookies


@pytest.mark.parametrize("path", ["/cases", "/inbox", "/ops", "/traces/" + "0" * 32])
def test_an_expired_token_leads_back_to_sign_in(path: str) -> None:
    client = console()
    expired = jwt.encode(
        {"iss": "linkage", "aud": "linkage", "sub": "x", "roles": ["office"], "iat": 1, "exp": int(time.time()) - 5},
        SECRET,
        algorithm=ALGORITHM,
    )
    client.cookies.set(COOKIE, expired)
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/signin?next={path}"


def test_a_next_path_off_the_console_is_not_followed() -> None:
    answer = console().post("/signin", data={"kind": "office", "next": "//evil.example/"}, follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_a_page_whose_service_is_down_says_so_and_stays_up() -> None:
    client = console()
    client.cookies.set(COOKIE, mint_token(SECRET, subject="o", roles=["office"]))
    answer = client.get("/cases")
    assert answer.status_code == 502  # the gateway's answer when the service behind it is not there
    assert "dispatch 服务暂不可达" in answer.text


def test_the_service_message_lands_on_its_field() -> None:
    detail = [{"loc": ["body", "extension", "value"], "msg": "Input should be greater than 0", "type": "x"}]
    assert Answer(422, {"detail": detail}).errors() == {"value": "Input should be greater than 0"}
    assert Answer(403, {"detail": "needs role: office"}).errors() == {"_": "needs role: office"}


def test_received_spans_draw_a_waterfall_under_their_parents() -> None:
    store = SpanStore(limit=100)
    trace = bytes(range(16))
    root = ProtoSpan(
        trace_id=trace, span_id=b"\x01" * 8, name="POST /cases", start_time_unix_nano=0, end_time_unix_nano=100
    )
    child = ProtoSpan(
        trace_id=trace,
        span_id=b"\x02" * 8,
        parent_span_id=b"\x01" * 8,
        name="INSERT",
        start_time_unix_nano=50,
        end_time_unix_nano=75,
    )
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[child, root])])])
    request.resource_spans[0].resource.attributes.add(key="service.name").value.string_value = "linkage-dispatch"
    assert store.receive(request.SerializeToString()) == 2
    bars = waterfall(store.trace(trace.hex()))
    assert [(b.span.name, b.depth, b.offset_pct, b.width_pct) for b in bars] == [
        ("POST /cases", 0, 0.0, 100.0),
        ("INSERT", 1, 50.0, 25.0),
    ]
    assert bars[0].span.service == "dispatch"


def test_the_span_store_keeps_only_the_newest() -> None:
    store = SpanStore(limit=100)
    spans = [Span("t", str(n), "", "s", "n", n, n + 1, ()) for n in range(150)]
    for span in spans:
        store._spans.append(span)
    assert len(store) == 100
    assert store.trace("t")[0].start_ns == 50


def test_a_malformed_otlp_body_is_refused() -> None:
    assert console().post("/v1/traces", content=b"\xff\xff\xff").status_code == 400


def test_docs_and_redoc_load_only_local_assets() -> None:
    client = TestClient(_service_app(), base_url="http://127.0.0.1")
    for path in ("/docs", "/redoc"):
        page = client.get(path).text
        assert "http://" not in page.replace("http://127.0.0.1", ""), path
        assert "https://" not in page, path
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    bundle = client.get("/docs-assets/redoc.local.js")
    assert bundle.status_code == 200
    assert "cdn.redoc.ly" not in bundle.text


def _service_app() -> FastAPI:
    """An app made the way every service's kit makes it: FastAPI with the local docs hook."""
    app = FastAPI(title="svc", docs_url=None, redoc_url=None)
    serve_docs_locally(app)
    return app


def test_the_upstream_client_ignores_proxies_from_the_environment() -> None:
    assert console().app.state.console.upstream.client._trust_env is False  # type: ignore[attr-defined]
    assert isinstance(console().app.state.console.upstream.client, httpx.AsyncClient)


def test_a_token_from_the_platforms_issuer_signs_in_and_a_forged_one_does_not() -> None:
    client = console(dev=False)
    token = mint_token(SECRET, subject="ops", roles=["operator"])
    answer = client.post("/signin/token", data={"token": token, "next": "/ops"}, follow_redirects=False)
    assert answer.headers["location"] == "/ops"
    assert client.cookies[COOKIE] == token
    forged = mint_token(secrets.token_hex(32), subject="ops", roles=["operator"])
    refused = console(dev=False).post("/signin/token", data={"token": forged})
    assert refused.status_code == 422
    assert 'data-field="token"' in refused.text


def _task_answer(path: str) -> Answer:
    if path.endswith("/deferrals"):
        return Answer(403, {"detail": "needs role: office or operator or department or street or agency"})
    task = {
        "id": path.rsplit("/", 1)[1],
        "case_id": "00000000-0000-0000-0000-000000000001",
        "assignee_code": "wgy-01",
        "role": "co_operating",
        "status": "assigned",
        "catalogue_version": 1,
        "routing_reason": "grid worker (网格员) 张敏 of grid wulong-01",
    }
    return Answer(200, task)


@pytest.mark.parametrize(
    ("kind", "org", "answers_return"), [("gridworker", "wgy-01", False), ("department", "cgj", True)]
)
def test_a_grid_worker_signs_in_to_its_inbox_and_its_task_offers_no_return_or_deferral(
    kind: str, org: str, answers_return: bool
) -> None:
    client = console()
    signed = client.post("/signin", data={"kind": kind, "org": org, "name": "张敏"}, follow_redirects=False)
    assert signed.status_code == 303
    claims = jwt.decode(client.cookies[COOKIE], SECRET, algorithms=[ALGORITHM], audience="linkage")
    assert claims["roles"] == [f"{kind}:{org}"]
    assert client.get("/", follow_redirects=False).headers["location"] == "/inbox"

    async def fake_get(service: str, path: str, **_: object) -> Answer:
        return _task_answer(path)

    client.app.state.console.upstream.get = fake_get  # type: ignore[attr-defined]
    page = client.get("/tasks/00000000-0000-0000-0000-0000000000aa")
    assert page.status_code == 200
    assert 'href="/inbox">待办</a>' in page.text
    assert 'id="acknowledge"' in page.text
    assert ('id="return"' in page.text, 'id="deferral"' in page.text) == (answers_return, answers_return)
