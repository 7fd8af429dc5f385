"""The JSON a run writes and the table it prints, bare baseline beside the platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench import stats
from bench.catalogue import Measured
from bench.load import PhaseResult
from bench.machine import summary
from bench.plan import Plan

SERVICES = ("catalog", "admission", "dispatch", "evaluation", "enforcement")
RSS_TARGET_MB = 150.0


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    value: float | None
    met: bool | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "goal": self.goal, "value": stats.rounded(self.value, 2), "met": self.met}


def _p(phase: PhaseResult | None, key: str) -> float | None:
    if phase is None or phase.latency is None:
        return None
    value: float = getattr(phase.latency, key)
    return value


def _tp(phase: PhaseResult | None) -> float | None:
    return None if phase is None else phase.throughput_cps


def _p99(measured: Measured | None) -> float | None:
    return measured.latency.p99_ms if measured and measured.latency else None


def build(
    *,
    plan: Plan,
    machine: dict[str, Any],
    bare: Mapping[str, PhaseResult],
    platform: Mapping[str, PhaseResult],
    lookups: Mapping[str, Measured],
    rss_mb: Mapping[str, float],
    meta: dict[str, Any],
) -> dict[str, Any]:
    at = f"at_{plan.latency_cps:.0f}cps"
    bare_batched, bare_single = bare.get("batched_flat_out"), bare.get("single_flat_out")
    flat, at_rate = platform.get("flat_out"), platform.get(at)
    throughput = _tp(flat)
    p99 = _p(at_rate, "p99_ms")
    bare_p99 = _p(bare.get(f"batched_{at}"), "p99_ms")
    ratio = stats.ratio(throughput, _tp(bare_batched))
    lookup_p99 = _p99(lookups.get("catalog_http"))
    impact = lookups.get("law_change_impact")
    service_rss = {name: rss for name, rss in rss_mb.items() if name.split("-")[0] in SERVICES}
    targets = [
        Target(
            "platform.throughput_cps", ">= 1000 cases/s", throughput, None if throughput is None else throughput >= 1000
        ),
        Target("ratio_throughput", ">= 0.30 of bare batched", ratio, None if ratio is None else ratio >= 0.30),
        Target("platform.p99_ms_at_100cps", "<= 50 ms", p99, None if p99 is None else p99 <= 50),
        Target("lookup_p99_ms", "<= 2 ms", lookup_p99, None if lookup_p99 is None else lookup_p99 <= 2),
        Target("impact_ms", "<= 50 ms", _p99(impact), None if _p99(impact) is None else (_p99(impact) or 0) <= 50),
        Target(
            "rss_mb",
            f"<= {RSS_TARGET_MB:.0f} MB per service",
            max(service_rss.values(), default=None),
            None if not service_rss else max(service_rss.values()) <= RSS_TARGET_MB,
        ),
    ]
    return {
        "bench": {**meta, "plan": plan.as_json()},
        "machine": machine,
        "platform": {
            "throughput_cps": stats.rounded(throughput),
            "p99_ms_at_100cps": stats.rounded(p99, 2),
            "p50_ms_at_100cps": stats.rounded(_p(at_rate, "p50_ms"), 2),
            "p95_ms_at_100cps": stats.rounded(_p(at_rate, "p95_ms"), 2),
            "two_dispatch_throughput_cps": stats.rounded(_tp(platform.get("two_dispatch_flat_out"))),
            "scale_curve": scale_curve(plan, platform),
            "phases": {name: phase.as_json() for name, phase in platform.items()},
        },
        "bare": {
            "batched_throughput_cps": stats.rounded(_tp(bare_batched)),
            "per_message_throughput_cps": stats.rounded(_tp(bare_single)),
            "p99_ms_at_100cps": stats.rounded(bare_p99, 2),
            "per_message_p99_ms_at_100cps": stats.rounded(_p(bare.get(f"single_{at}"), "p99_ms"), 2),
            "phases": {name: phase.as_json() for name, phase in bare.items()},
        },
        "ratio_throughput": stats.rounded(ratio, 3),
        "ratio_p99": stats.rounded(stats.ratio(p99, bare_p99), 2),
        "lookup_p99_ms": stats.rounded(lookup_p99, 3),
        "lookup": {name: m.as_json() for name, m in lookups.items() if name.startswith(("catalog", "dispatch"))},
        "impact_ms": stats.rounded(_p99(impact), 2),
        "impact_note": impact.note if impact else None,
        "street_list_render_ms": stats.rounded(_p99(lookups.get("street_list_render")), 2),
        "rss_mb": dict(rss_mb),
        "targets": [t.as_json() for t in targets],
    }


def scale_curve(plan: Plan, platform: Mapping[str, PhaseResult]) -> list[dict[str, Any]]:
    rows = []
    for name, phase in platform.items():
        if not (name.startswith("scale_") or name.startswith("two_dispatch") or name == "flat_out"):
            continue
        rows.append(
            {
                "phase": name,
                "dispatch_replicas": 2 if name.startswith("two_dispatch") else 1,
                "offered_cps": phase.offered_cps,
                "throughput_cps": stats.rounded(phase.throughput_cps),
                "p50_ms": stats.rounded(_p(phase, "p50_ms"), 2),
                "p99_ms": stats.rounded(_p(phase, "p99_ms"), 2),
                "delivered": phase.delivered,
                "sent": phase.sent,
            }
        )
    return rows


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(doc: dict[str, Any]) -> str:
    plat, bare = doc["platform"], doc["bare"]
    phases = plat["phases"]
    parts = [
        f"Linkage bench ({doc['bench']['plan']['name']}), {doc['bench']['started']}",
        f"machine: {summary(doc['machine'])}",
        "",
    ]
    at = f"at_{doc['bench']['plan']['latency_cps']:.0f}cps"
    rows = [["case pipeline: intake -> department", "platform", "bare batched", "bare per message", "target"]]
    rows.append(
        [
            "throughput flat out (cases/s)",
            _num(plat["throughput_cps"]),
            _num(bare["batched_throughput_cps"]),
            _num(bare["per_message_throughput_cps"]),
            ">= 1,000",
        ]
    )
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        rows.append(
            [
                f"{key[:3]} at 100 cases/s (ms)",
                _num(_lat(phases.get(at), key), 2),
                _num(_lat(bare["phases"].get(f"batched_{at}"), key), 2),
                _num(_lat(bare["phases"].get(f"single_{at}"), key), 2),
                "<= 50" if key == "p99_ms" else "",
            ]
        )
    rows.append(["platform / bare batched throughput", _num(doc["ratio_throughput"], 3), "1", "", ">= 0.30"])
    rows.append(["platform / bare batched p99 at 100/s", _num(doc["ratio_p99"], 2), "1", "", ""])
    parts += [_table(rows), ""]

    curve = [["scale curve", "dispatch", "offered/s", "delivered/s", "p50 ms", "p99 ms", "delivered"]]
    for row in plat["scale_curve"]:
        offered = "flat out" if row["offered_cps"] is None else _num(row["offered_cps"], 0)
        curve.append(
            [
                row["phase"],
                str(row["dispatch_replicas"]),
                offered,
                _num(row["throughput_cps"]),
                _num(row["p50_ms"], 2),
                _num(row["p99_ms"], 2),
                f"{row['delivered']}/{row['sent']}",
            ]
        )
    parts += [_table(curve), ""]

    lookups = [["lookup (one at a time)", "p50 ms", "p99 ms", "note"]]
    for name, measured in doc["lookup"].items():
        latency = measured["latency"] or {}
        lookups.append([name, _num(latency.get("p50_ms"), 3), _num(latency.get("p99_ms"), 3), measured["note"] or ""])
    lookups.append(["law_change_impact", "-", _num(doc["impact_ms"], 2), doc["impact_note"] or ""])
    lookups.append(["street_list_render", "-", _num(doc["street_list_render_ms"], 2), "HTML page, over HTTP"])
    parts += [_table(lookups), ""]

    flat = phases.get("flat_out", {}).get("cpu_percent_of_one_core", {})
    cpu = [["process", "peak RSS MB", "CPU % of a core (flat out)"]]
    names = list(dict.fromkeys([*doc["rss_mb"], *flat]))
    for name in names:
        cpu.append([name, _num(doc["rss_mb"].get(name)), _num(flat.get(name))])
    parts += [_table(cpu), ""]

    verdicts = [["target", "goal", "value", "met"]]
    for t in doc["targets"]:
        verdicts.append([t["name"], t["goal"], _num(t["value"], 2), {True: "yes", False: "NO", None: "-"}[t["met"]]])
    parts.append(_table(verdicts))
    return "\n".join(parts)


def _lat(phase: dict[str, Any] | None, key: str) -> float | None:
    if not phase or not phase.get("latency"):
        return None
    value: float = phase["latency"][key]
    return value
