"""The joint-enforcement demo (``linkage up --demo``), over HTTP like any client: Longsha's 87 certified officers,
inspection matters on the 25 devolved penalty powers the catalogue demo publishes, 1,200 targets across the 5
streets, then one committed and revealed draw and one joint-visit plan. Deterministic (a fixed RNG seed).

The demo's seed is a stand-in for a public beacon value (the machine may be offline): its source says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from services.platform.errors import PlatformError

STREETS = ("wulong", "hubin", "jiangan", "caihong", "nanhang")
DEPARTMENTS = {"scjg": "市场监管", "cgj": "城市管理", "sthjj": "生态环境", "yjglj": "应急管理", "wjj": "卫生健康"}
OFFICERS = 87
TEAM_PER_STREET = 5
TARGETS_PER_STREET = 240
TIERS = ("高", "较高", "一般", "低")
TIER_WEIGHTS = (5, 15, 60, 20)
YEAR = datetime.now(UTC).year


def load(url: str, token: str) -> dict[str, object]:
    """Registers, one draw and one joint-visit plan; returns their figures. Waits for the power list first."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        powers = _powers(client)
        _import(client, "matters", _matters(powers))
        _import(client, "officers", _officers())
        _import(client, "targets", _targets())
        matter_ids = [m["id"] for m in _ok(client.get("/matters", params={"limit": 1000})) if m["item_code"] in powers]
        draw = _ok(client.post("/draws", json=_plan(matter_ids)))
        seed = hashlib.sha256(f"linkage-demo-{draw['commitment']}".encode()).hexdigest()
        revealed = _ok(client.post(f"/draws/{draw['id']}/seed", json={"seed": seed}))
        plan = _ok(client.post("/visit-plans", json={"name": f"{YEAR}年联合检查（演示）", "draw_ids": [draw["id"]]}))
    return {
        "matters": len(matter_ids),
        "inspections": revealed["inspections"],
        "visits": plan["visits"],
        "saved": plan["saved"],
    }


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise PlatformError(f"the enforcement demo was refused: {response.status_code} {response.text[:2000]}")
    return response.json()


def _powers(client: httpx.Client, *, timeout: float = 120.0) -> list[str]:
    """The 25 power items, once the catalogue's events have reached enforcement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get("/power-list")
        listed = sorted(entry["item_code"] for entry in response.json()) if response.status_code == 200 else []
        if len(listed) >= 25:
            return listed[:25]
        time.sleep(1.0)
    raise PlatformError("enforcement did not hear of the catalogue's 25 power items in time")


def _import(client: httpx.Client, register: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    _ok(client.post(f"/registers/{register}/import", files={"file": (f"{register}.csv", out.getvalue().encode())}))


def _matters(powers: list[str]) -> list[list[str]]:
    header = ["事项编码", "抽查事项名称", "检查部门", "执法领域", "法律依据", "抽查频次"]
    rows = [[*header, "高风险比例", "较高风险比例", "一般风险比例", "低风险比例"]]
    departments = list(DEPARTMENTS)
    for index, code in enumerate(powers):
        department = departments[index % len(departments)]
        domain = DEPARTMENTS[department]
        rows.append([code, f"{domain}双随机抽查{index + 1:02d}", department, domain, f"{code} 所依法律条款", "2"])
        rows[-1] += ["30%", "10%", "2%", "1%"]
    return rows


def _officers() -> list[list[str]]:
    rng = random.Random(87)
    rows = [["编码", "姓名", "所属单位", "综合执法队街道", "执法资格", "回避对象"]]
    domains = list(DEPARTMENTS.values())
    for index in range(OFFICERS):
        street = STREETS[index // TEAM_PER_STREET] if index < TEAM_PER_STREET * len(STREETS) else ""
        organisation = f"{street}-zhzfd" if street else list(DEPARTMENTS)[index % len(DEPARTMENTS)]
        certified = rng.sample(domains, 2) if street else [domains[index % len(domains)], rng.choice(domains)]
        licences = "；".join(f"{d}:{YEAR + 2}-12-31" for d in dict.fromkeys(certified))
        conflict = f"{STREETS[index % 5]}-t{rng.randrange(TARGETS_PER_STREET):03d}" if index % 9 == 0 else ""
        rows.append([f"ZF{index + 1:03d}", f"执法人员{index + 1:02d}", organisation, street, licences, conflict])
    return rows


def _targets() -> list[list[str]]:
    rng = random.Random(1200)
    rows = [["编码", "名称", "所属街道", "风险等级", "执法领域"]]
    domains = list(DEPARTMENTS.values())
    for street in STREETS:
        for index in range(TARGETS_PER_STREET):
            tier = rng.choices(TIERS, TIER_WEIGHTS)[0]
            applies = "、".join(rng.sample(domains, 3))
            rows.append([f"{street}-t{index:03d}", f"{street}商户{index:03d}", street, tier, applies])
    return rows


def _plan(matter_ids: list[str]) -> dict[str, object]:
    return {
        "name": f"{YEAR}年上半年双随机抽查（演示）",
        "period_start": f"{YEAR}-01-01",
        "period_end": f"{YEAR}-06-30",
        "matter_ids": matter_ids,
        "seed_source": "演示：以承诺值派生的种子代替公开信标（离线环境）",
        "seed_not_before": datetime.now(UTC).isoformat(),
        "officer_cap": 80,
    }
