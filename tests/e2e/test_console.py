"""The console in a real browser (Debian's Chromium through Playwright), over the five services as processes.

A case goes the whole loop through the console's pages: the smart-city platform reports it over Open311 with an
address alone, which routing cannot place, so dispatch puts it in the office's triage queue (待人工派遣); the office
opens it from the board's queue and dispatches it by hand (人工派遣), an empty form first showing the service's
message beside the field; the department acknowledges and completes it; the street verifies and closes it; the
office sees it closed, follows its trace (链路, spans the services sent the console over OTLP/HTTP), and the
scorecard page shows the department once evaluation has counted it. Every request the browser makes, on every page
and on each service's ``/docs`` and ``/redoc``, stays on 127.0.0.1. Screenshots are written for a person to look at.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from services.platform.supervisor import CONSOLE, ServiceProcesses, console_env, on_free_ports
from tests.support import JWT_SECRET, bearer, unique

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("LINKAGE_SCREENSHOTS", "/tmp/linkage-console-shots"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",
]


@pytest.fixture(scope="module")
def urls(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    specs = on_free_ports()
    [console] = on_free_ports([CONSOLE])
    env = {
        "LINKAGE_NATS_URL": nats_url,
        "LINKAGE_DATABASE_URL": database_url,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        **console_env(console, specs, otlp_endpoint=None),
    }
    logs = tmp_path_factory.mktemp("logs")
    with ServiceProcesses(env={**os.environ, **env}, log_dir=logs, services=[console, *specs]) as processes:
        processes.wait_ready(timeout=90)
        yield {spec.name: spec.url for spec in (console, *specs)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium fonts-noto-cjk`")
    with sync_playwright() as playwright:
        # launch() gives each run a fresh temporary profile (user-data-dir) of its own; no browser is downloaded.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield browser
        browser.close()


class Visits:
    """Every host the browser asked for, across all pages of a test."""

    def __init__(self) -> None:
        self.hosts: set[str] = set()

    def watch(self, page: Page) -> Page:
        page.on("request", lambda request: self.hosts.add(_host(request.url)))
        return page


def _host(url: str) -> str:
    """The host a request goes to; a ``blob:`` URL is the page's own memory, named by the page's origin."""
    return urlsplit(url.removeprefix("blob:")).hostname or url


def phone(browser: Browser, visits: Visits) -> Page:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    return visits.watch(context.new_page())


def sign_in(page: Page, console: str, kind: str, org: str = "") -> None:
    page.goto(f"{console}/signin")
    page.select_option("#kind", kind)
    page.fill("#org", org)
    page.click("button[type=submit]")


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_case_goes_round_the_loop_through_the_console(urls: dict[str, str], browser: Browser) -> None:
    department, street, grid, code = unique("dept"), unique("street"), unique("grid"), unique("IT")
    _load(urls["catalog"], code=code, department=department, grid=grid, street=street)
    case_id = _report(urls["dispatch"], code=code)
    console, visits = urls["console"], Visits()

    office = phone(browser, visits)
    sign_in(office, console, "office")
    office.wait_for_url(re.compile(r"/cases$"))
    queued = office.locator(f"#triage li:has(a[href='/cases/{case_id}'])")
    assert "no known street" in queued.inner_text()  # dispatch's reason, read in the queue
    shot(office, "board-triage-queue")
    office.click(f"#triage a[href='/cases/{case_id}']")
    assert office.locator("#case-status").inner_text().startswith("待人工派遣")
    assert "None" not in office.locator(".facts").inner_text()  # no grid, no street: a dash, not Python's None
    assert "triaged" in office.locator("#timeline").inner_text()
    shot(office, "case-in-triage")
    office.click("#by-hand button")  # nothing filled in: the service's own message beside the field
    beside = office.locator("#by-hand [data-field=assignee_code]")
    assert beside.count() == 1, office.locator("#by-hand").inner_text()
    assert "valid string" in beside.inner_text()  # dispatch's own (pydantic's) words, not the console's
    assert office.locator("#case-status").inner_text().startswith("待人工派遣")  # nothing half-done
    shot(office, "dispatch-by-hand-refused")
    office.fill("#by-hand input[name=assignee_code]", department)
    office.fill("#by-hand input[name=street_code]", street)
    office.fill("#by-hand textarea[name=reason]", "地址在和平小区，依据清单由该部门办理")
    office.click("#by-hand button")
    assert office.locator("#case-status").inner_text().startswith("已派遣")
    office.goto(f"{console}/cases")
    assert office.locator(f"#triage a[href='/cases/{case_id}']").count() == 0

    named = phone(browser, visits)
    sign_in(named, console, "department", department)
    named.locator("#tasks a").first.click()
    named.click("#acknowledge button")
    assert named.locator("#task-status").inner_text() == "已签收"
    named.fill("#complete textarea[name=result]", "已清运垃圾，现场恢复整洁")
    named.click("#complete button")
    assert named.locator("#task-status").inner_text() == "已办结"
    shot(named, "task-completed")

    verifier = phone(browser, visits)
    sign_in(verifier, console, "street", street)
    verifier.goto(f"{console}/cases/{case_id}")
    verifier.fill("#verify textarea[name=note]", "现场核查通过")
    verifier.click("#verify button")
    verifier.fill("#close textarea[name=note]", "已解决")
    verifier.click("#close button")
    assert "已提交" in verifier.locator("[role=status]").inner_text()

    office.goto(f"{console}/cases?status=closed")
    assert case_id in office.locator("#cases").inner_html()
    office.goto(f"{console}/cases/{case_id}")
    assert office.locator("#case-status").inner_text().startswith("已结案")
    _follow_the_trace(office)
    _scorecard_changes(office, urls, department)
    assert visits.hosts == {"127.0.0.1"}, f"requests left the machine: {visits.hosts}"


def _follow_the_trace(office: Page) -> None:
    """The case page links its traces; one waterfall draws spans of more than one service (a step in dispatch and
    evaluation's reading of its event), sent to the console over OTLP/HTTP."""
    case_page = office.url
    traces = [link.get_attribute("href") or "" for link in office.locator("a[href^='/traces/']").all()]
    assert traces, "the case page links no trace"
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while datetime.now(UTC) < deadline:
        for trace in traces:
            office.goto(urljoin(case_page, trace))
            services = set(office.locator("#waterfall .span-row .svc").all_inner_texts())
            if {"dispatch", "evaluation"} <= services:
                shot(office, "case-trace")
                return
        time.sleep(0.3)  # the services' span processors export in batches
    pytest.fail(f"no trace of the case crossed dispatch and evaluation: {traces}")


def _scorecard_changes(office: Page, urls: dict[str, str], department: str) -> None:
    """Before the period is published the department has no scorecard; after, the page charts one."""
    today = datetime.now(UTC).date()
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    page_url = f"{urls['console']}/scorecards?start={period['from']}&end={period['to']}"
    office.goto(page_url)
    assert department not in office.locator("main").inner_text()
    with httpx.Client(base_url=urls["evaluation"], timeout=30, trust_env=False) as client:
        _eventually_counted(client, department, period)
        published = client.post("/scorecards/publish", params=period, headers=bearer("office"))
        assert published.status_code == 200, published.text
    office.goto(page_url)
    assert department in office.locator("#scorecards").inner_text()
    assert office.locator("#score-chart rect").count() >= 1
    shot(office, "scorecards")


def _eventually_counted(client: httpx.Client, department: str, period: dict[str, str]) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    params = {**period, "assignee_code": department}
    while datetime.now(UTC) < deadline:
        answer = client.get("/indicators/tasks-assigned", params=params, headers=bearer("office"))
        if answer.status_code == 200 and any(row["total"] > 0 for row in answer.json()["assignees"]):
            return
        time.sleep(0.2)
    pytest.fail(f"evaluation never counted {department}'s task")


def test_every_page_and_every_docs_page_loads_nothing_from_outside(urls: dict[str, str], browser: Browser) -> None:
    visits = Visits()
    page = phone(browser, visits)
    sign_in(page, urls["console"], "operator")
    page.wait_for_url(re.compile(r"/ops$"))
    assert page.locator(".service-card .ready.ok").count() == 5, page.locator("#services").inner_text()
    assert "发件箱积压" in page.inner_text("#services")
    shot(page, "operators")
    for path in ("/cases", "/catalogue", "/laws", "/scorecards", "/enforcement", "/ops/dispatch/dead-letters"):
        page.goto(f"{urls['console']}{path}")
        assert page.locator("header.top").count() == 1, path
    for name, url in urls.items():
        if name == "console":
            continue  # pages for people; it has no API docs of its own
        for docs, drawn in (("/docs", ".swagger-ui .info .title"), ("/redoc", ".api-content h1")):
            page.goto(f"{url}{docs}", wait_until="networkidle")
            page.wait_for_selector(drawn, timeout=30_000)  # a large schema takes a while to draw
            assert name in page.inner_text(drawn).lower() or page.inner_text(drawn).strip(), f"{name}{docs}"
    page.goto(f"{urls['dispatch']}/docs", wait_until="networkidle")
    assert page.locator(".swagger-ui .opblock").count() > 5, "Swagger UI drew no operations"
    assert visits.hosts == {"127.0.0.1"}, f"requests left the machine: {visits.hosts}"


def _load(catalog: str, *, code: str, department: str, grid: str, street: str) -> None:
    load = {
        "note": "console e2e",
        "laws": [
            {
                "law_id": "L3",
                "title": "城市生活垃圾管理办法",
                "kind": "rule",
                "issuer": "建设部",
                "effective_from": "2007-07-01",
            }
        ],
        "clauses": [{"law_id": "L3", "article": "第十八条", "text": "城市生活垃圾应当及时清运。"}],
        "items": [
            {
                "item_code": code,
                "name": "生活垃圾清运",
                "list_kind": "common",
                "domain": "城市管理",
                "responsible_body": department,
                "time_limit": {"value": 1, "unit": "working_day"},
                "legal_basis": [{"law_id": "L3", "law_title": "城市生活垃圾管理办法", "article": "第十八条"}],
            }
        ],
        "grids": [{"grid_code": grid, "street_code": street}],
    }
    answer = httpx.post(f"{catalog}/catalogue", json=load, headers=bearer("office"), timeout=30, trust_env=False)
    assert answer.status_code == 201, answer.text


def _report(dispatch: str, *, code: str) -> str:
    """The smart-city platform reports over Open311 with an address alone (no grid, no point), once dispatch has
    projected the item: routing cannot place it, so it waits for the office (人工派遣)."""
    form = {
        "service_code": code,
        "description": "小区门口垃圾堆积，无人清运",
        "address_string": "和平小区东门",
        "api_key": bearer("smartcity")["Authorization"][7:],
    }
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    with httpx.Client(base_url=dispatch, timeout=10, trust_env=False) as client:
        while datetime.now(UTC) < deadline:
            answer = client.post("/open311/v2/requests.json", data=form)
            if answer.status_code == 201:
                return str(answer.json()[0]["service_request_id"])
            time.sleep(0.2)  # the catalogue's events are still on their way to dispatch
    pytest.fail(f"dispatch never took the case: {answer.status_code} {answer.text}")
