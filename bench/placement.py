"""``python -m bench.placement``: placing a reported point (lat/long → grid → street) among the demo's 363 grids
and among 20,000, against the issue's targets (p99 ≤ 0.2 ms and ≤ 0.5 ms).

In-process, on dispatch's own ``Atlas`` (shapely STRtree), over grids laid out as the demo lays them
(``services.platform.longsha_grids``). Baseline from the same run: a brute-force pass testing the point against
every outline (``shapely.contains`` vectorised over the array), the floor without an index. Points are drawn
uniformly over the district's box, with a fixed seed. Figures and their history go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

import shapely
from shapely.geometry import Point

from bench import stats
from contracts.geo import GeoPolygon
from services.dispatch.domain.places import Atlas, GridOutline
from services.platform.longsha_grids import LONGSHA, lay_out

TARGETS_MS = {363: 0.2, 20_000: 0.5}
STREETS = 5


def outlines(count: int) -> list[GridOutline]:
    """``count`` grids over Longsha, spread over five streets as the demo spreads its 363."""
    per_street = [count // STREETS + (1 if n < count % STREETS else 0) for n in range(STREETS)]
    streets = {f"street-{s}": [f"street-{s}-wg{n:05d}" for n in range(c)] for s, c in enumerate(per_street)}
    shapes = lay_out(streets)
    return [
        GridOutline(code, street, GeoPolygon.model_validate(shapes[code]))
        for street, codes in streets.items()
        for code in codes
    ]


def points(count: int, seed: int = 15) -> list[tuple[float, float]]:
    west, south, east, north = LONGSHA
    rng = random.Random(seed)
    return [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(count)]


def timed(place: Callable[[float, float], object], where: list[tuple[float, float]]) -> stats.Latency:
    samples = []
    for lat, long in where:
        start = time.perf_counter()
        place(lat, long)
        samples.append(time.perf_counter() - start)
    found = stats.latency(samples)
    assert found is not None
    return found


def brute_force(grids: list[GridOutline]) -> Callable[[float, float], object]:
    """The baseline: test the point against every outline at once, no index."""
    array = shapely.from_geojson([json.dumps(g.geometry.model_dump()) for g in grids])
    return lambda lat, long: shapely.contains(array, Point(long, lat)).argmax()


def measure(count: int, samples: int) -> dict[str, Any]:
    grids = outlines(count)
    start = time.perf_counter()
    atlas = Atlas(grids)
    build_ms = (time.perf_counter() - start) * 1000
    where = points(samples)
    assert all(atlas.place(lat, long) is not None for lat, long in where[:100])  # the box is covered
    placed, baseline = timed(atlas.place, where), timed(brute_force(grids), where[: max(samples // 10, 100)])
    return {
        "grids": count,
        "build_ms": round(build_ms, 1),
        "place": placed.as_json(),
        "brute_force": baseline.as_json(),
        "target_p99_ms": TARGETS_MS[count],
        "met": placed.p99_ms <= TARGETS_MS[count],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.placement", description=__doc__)
    parser.add_argument("--samples", type=int, default=20_000, help="points placed per atlas")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    results = [measure(count, args.samples) for count in TARGETS_MS]
    print("placing a point (lat/long -> grid -> street), in-process, one at a time")
    print(
        f"{'grids':>7}  {'build ms':>8}  {'p50 ms':>7}  {'p99 ms':>7}  {'target':>7}  {'met':>4}  {'brute p99 ms':>12}"
    )
    for r in results:
        place = r["place"]
        print(
            f"{r['grids']:>7,}  {r['build_ms']:>8}  {place['p50_ms']:>7.4f}  {place['p99_ms']:>7.4f}  "
            f"{r['target_p99_ms']:>7}  {'yes' if r['met'] else 'NO':>4}  {r['brute_force']['p99_ms']:>12.4f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
