"""``python -m bench.console``: the console's pages (p99 ≤ 100 ms each) and its RSS (≤ 150 MB), issue 16.

The console runs as ``linkage up`` runs it (uvicorn, one process); the five services behind it are one stand-in
process answering with demo-sized JSON (100 cases on the board, 20 in triage, a case with 3 tasks and 12 timeline
steps, the demo's 20 scorecards, 50 tasks in an inbox), so that the figures are the console's own: its upstream
calls, its templates, its sign-in check. The services' own pages have their own benchmarks. Baseline from the same
run: the stand-in's ``/healthz`` through the same client, one loopback round trip (a page makes two to four).
Each page: one keep-alive connection, closed loop, stdlib ``http.client`` (httpx would spend more CPU per request
than it times on a 2-core machine). RSS: the console process, sampled after each page's run; the peak is kept.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import psutil  # type: ignore[import-untyped]

from bench import stats
from bench.catalogue import timed_keep_alive
from services.platform.embedded import free_port
from services.platform.supervisor import SERVICE_NAMES
from services.runtime.auth import mint_token

TARGET_P99_MS, TARGET_RSS_MB = 100.0, 150.0
CASE_ID = uuid.UUID(int=16)
PAGES = {  # page → the role that opens it
    "/cases": "office",
    f"/cases/{CASE_ID}": "office",
    "/inbox": "department:cgj",
    "/scorecards": "office",
}


def a_case(n: int, status: str = "dispatched") -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=n)),
        "source_system": "open311",
        "source_id": f"r-{n}",
        "item_code": f"GX-{n % 40:03d}",
        "grid_code": f"street-{n % 5}-wg{n:05d}",
        "street_code": f"street-{n % 5}",
        "description": "小区门口垃圾堆积，无人清运",
        "status": status,
        "reported_at": "2026-03-01T09:00:00+08:00",
        "return_count": 0,
        "rework_count": 0,
        "tasks": [],
    }


def a_task(n: int) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=1000 + n)),
        "case_id": str(CASE_ID),
        "assignee_code": "cgj",
        "role": "primary",
        "status": "assigned",
        "catalogue_version": 3,
        "routing_reason": "依据清单 GX-001 v3 第十条，由城管局主办",
        "assigned_at": "2026-03-01T09:05:00+08:00",
        "due_at": "2026-03-02T09:05:00+08:00",
    }


def answers() -> dict[str, Any]:
    """What the stand-in answers, by path: demo-sized."""
    case = a_case(16) | {"tasks": [a_task(n) for n in range(3)]}
    step = {"at": "2026-03-01T09:05:00+08:00", "action": "dispatched", "actor": "dispatch", "detail": "派遣"}
    card = {"org_code": "cgj", "score": 91.5, "rank": 1}
    return {
        "/healthz": {"status": "ok"},
        "/cases": [a_case(n) for n in range(100)],
        "/triage": [a_case(n, "triage") for n in range(20)],
        "/stats": {"overdue": 12, "late_reports": 3, "unacknowledged": 4, "returns": 7},
        f"/cases/{CASE_ID}": case,
        f"/cases/{CASE_ID}/timeline": [step | {"trace_id": f"{n:032x}"} for n in range(12)],
        "/tasks": [a_task(n) for n in range(50)],
        "/scorecards": [card | {"org_code": f"org-{n}", "rank": n + 1} for n in range(20)],
        "/findings": [],
    }


class StandIn(BaseHTTPRequestHandler):
    """The five services' answers the console's pages ask for (every other path: an empty list)."""

    bodies: ClassVar[dict[str, bytes]] = {}  # filled by ``serve_upstream``: importing this module builds none
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits ~40 ms on the client's delayed ACK

    def do_GET(self) -> None:
        body = self.bodies.get(self.path.split("?", 1)[0], b"[]")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a line per request would cost more than the answer."""


def serve_upstream(port: int) -> None:
    StandIn.bodies = {path: json.dumps(body, ensure_ascii=False).encode() for path, body in answers().items()}
    ThreadingHTTPServer(("127.0.0.1", port), StandIn).serve_forever()


@contextmanager
def running(command: Sequence[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/static/favicon.svg")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on {port} within {timeout_s} s")


def timed(port: int, path: str, headers: dict[str, str], *, count: int, warmup: int = 30) -> stats.Latency:
    """Closed loop on one keep-alive connection; each request's status checked (200 only) and whole body read."""
    found = timed_keep_alive(f"http://127.0.0.1:{port}", headers, [path], count=count, warmup=warmup, statuses={200})
    assert found is not None
    return found


def console_env(upstream: int, secret: str) -> dict[str, str]:
    urls = {f"LINKAGE_{name.upper()}_URL": f"http://127.0.0.1:{upstream}" for name in SERVICE_NAMES}
    return {"PATH": "/usr/bin:/bin", **urls, "LINKAGE_JWT_SECRET": secret, "LINKAGE_CONSOLE_DEV_SIGNIN": "true"}


def measure(count: int) -> dict[str, Any]:
    secret, upstream, port = secrets.token_hex(32), free_port(), free_port()
    stand_in = [sys.executable, "-m", "bench.console", "--serve-upstream", str(upstream)]
    console = [sys.executable, "-m", "uvicorn", "services.console.app:create_app", "--factory", "--port", str(port)]
    env = console_env(upstream, secret) | {"PYTHONPATH": ":".join(sys.path)}
    with running(stand_in, env, upstream), running(console, env, port) as process:
        return _pages(port, upstream, secret, psutil.Process(process.pid), count=count)


def _pages(port: int, upstream: int, secret: str, console: psutil.Process, *, count: int) -> dict[str, Any]:
    results: dict[str, Any] = {"pages": {}, "rss_mb": 0.0}
    for path, role in PAGES.items():
        cookie = {"Cookie": f"linkage_console={mint_token(secret, subject='bench', roles=[role])}"}
        results["pages"][path] = timed(port, path, cookie, count=count).as_json()
        results["rss_mb"] = max(results["rss_mb"], console.memory_info().rss / 2**20)
    results["baseline_healthz"] = timed(upstream, "/healthz", {}, count=count).as_json()
    return results


def verdicts(results: dict[str, Any]) -> dict[str, bool]:
    pages = all(page["p99_ms"] <= TARGET_P99_MS for page in results["pages"].values())
    return {"pages_p99_ms": pages, "console_rss_mb": results["rss_mb"] <= TARGET_RSS_MB}


def show(results: dict[str, Any]) -> None:
    for path, page in results["pages"].items():
        print(f"GET {path:<48} p50 {page['p50_ms']:6.2f}  p99 {page['p99_ms']:6.2f} ms (target ≤ {TARGET_P99_MS})")
    base = results["baseline_healthz"]
    print(f"baseline stand-in /healthz{'':<26} p50 {base['p50_ms']:6.2f}  p99 {base['p99_ms']:6.2f} ms")
    print(f"console RSS peak {results['rss_mb']:.1f} MB (target ≤ {TARGET_RSS_MB})")
    print("verdicts:", ", ".join(f"{key} {'ok' if ok else 'OVER TARGET'}" for key, ok in verdicts(results).items()))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="requests per page (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="300 requests per page")
    parser.add_argument("--json", help="where to write the results")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()  # linkage bench passes its common flags through
    if args.serve_upstream:
        serve_upstream(args.serve_upstream)
    results = measure(300 if args.quick else args.count)
    show(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results | {"verdicts": verdicts(results)}, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
