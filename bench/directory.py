"""Benchmark nearest-hub search: indexed bounding box vs a naive full scan.

    .venv/bin/python bench/directory.py [--hubs 10000] [--queries 500]

Generates reproducible random hubs around English outcode centroids into a
temporary SQLite database, then times DirectorySearch.nearest_hubs against a
naive full scan (all rows loaded, sorted in Python) on the same queries and
checks that both return the same hubs. Target: p95 < 5 ms for nearest_hubs.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import exists, select  # noqa: E402

from bot.directory import schema  # noqa: E402
from bot.directory.db import make_engine  # noqa: E402
from bot.directory.search import DirectorySearch, HubResult, fetch_hubs  # noqa: E402
from bot.directory.store import HubRecord, replace_directory  # noqa: E402
from bot.directory.vocabulary import ACCESSIBILITY, SERVICES  # noqa: E402
from bot.geo.distance import haversine_miles  # noqa: E402
from bot.needs import NEEDS  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

TARGET_P95_MS = 5.0
HOURS = ["Mo-Fr 09:00-17:00; PH off", "Mo,We,Fr 10:00-16:00; Sa 10:00-13:00", "Tu,Th 13:00-19:00", None]


def england_centroids() -> list[tuple[float, float]]:
    with open(PROJECT_ROOT / "data" / "geo" / "uk_outcodes.csv", encoding="utf-8", newline="") as handle:
        return [
            (float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(handle)
            if r["country"] == "ENG"
        ]


def random_point(rng: random.Random, centroids: list[tuple[float, float]]) -> tuple[float, float]:
    lat, lon = rng.choice(centroids)
    return lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.05, 0.05)


def generate_hubs(count: int, rng: random.Random, centroids: list[tuple[float, float]]) -> list[HubRecord]:
    services = list(SERVICES)
    hubs = []
    for i in range(count):
        lat, lon = random_point(rng, centroids)
        hubs.append(
            HubRecord(
                id=f"hub-{i:05d}",
                name=f"Hub {i}",
                address=f"{i} High Street",
                postcode="NR2 4EE",
                latitude=lat,
                longitude=lon,
                services=rng.sample(services, rng.randint(2, 6)),
                phone="01234 567890",
                opening_hours=rng.choice(HOURS),
                accessibility=rng.sample(list(ACCESSIBILITY), rng.randint(0, 3)),
                languages=["en"] + (["pl"] if rng.random() < 0.2 else []),
            )
        )
    return hubs


def full_scan_nearest(
    search: DirectorySearch, lat: float, lon: float, services: tuple[str, ...], limit: int = 3
) -> list[HubResult]:
    """The naive baseline: every matching hub's coordinates into Python, exact sort, no box."""
    with search.engine.connect() as conn:
        rows = conn.execute(
            select(schema.Location.id, schema.Location.latitude, schema.Location.longitude).where(
                exists().where(
                    schema.LocationService.location_id == schema.Location.id,
                    schema.LocationService.term_id.in_(services),
                )
            )
        ).all()
        ranked = sorted((haversine_miles(lat, lon, row.latitude, row.longitude), row.id) for row in rows)[
            :limit
        ]
        hubs = fetch_hubs(conn, [hub_id for _, hub_id in ranked])
    return [search._hub_result(hubs[hub_id], distance, None) for distance, hub_id in ranked]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hubs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    centroids = england_centroids()
    with tempfile.TemporaryDirectory(prefix="signpost-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        started = time.perf_counter()
        replace_directory(engine, generate_hubs(args.hubs, rng, centroids))
        print(
            f"Loaded {args.hubs:,} random hubs across England in {time.perf_counter() - started:.1f}s"
            f" (seed {args.seed})."
        )
        search = DirectorySearch(engine)
        needs = list(NEEDS.values())
        queries = [(*random_point(rng, centroids), rng.choice(needs).services) for _ in range(args.queries)]
        search.nearest_hubs(52.63, 1.29, ("wifi",))  # warm up caches and connections
        full_scan_nearest(search, 52.63, 1.29, ("wifi",))

        indexed_ms, naive_ms, mismatches = [], [], 0
        for lat, lon, services in queries:
            t0 = time.perf_counter()
            fast = search.nearest_hubs(lat, lon, services, limit=3)
            t1 = time.perf_counter()
            slow = full_scan_nearest(search, lat, lon, services, limit=3)
            t2 = time.perf_counter()
            indexed_ms.append((t1 - t0) * 1000)
            naive_ms.append((t2 - t1) * 1000)
            if [h.id for h in fast] != [h.id for h in slow]:
                mismatches += 1
        engine.dispose()

    i50, i95 = percentile(indexed_ms, 50), percentile(indexed_ms, 95)
    n50, n95 = percentile(naive_ms, 50), percentile(naive_ms, 95)
    print(f"{args.queries} nearest-hub queries (limit 3, services from bot.needs):")
    print(
        f"  DirectorySearch.nearest_hubs  p50 {i50:7.2f} ms   p95 {i95:7.2f} ms"
        f"   mean {statistics.mean(indexed_ms):.2f} ms"
    )
    print(
        f"  naive full scan               p50 {n50:7.2f} ms   p95 {n95:7.2f} ms"
        f"   mean {statistics.mean(naive_ms):.2f} ms"
    )
    print(f"  speed-up: {n50 / i50:.1f}x at p50, {n95 / i95:.1f}x at p95")
    print(f"  results identical: {args.queries - mismatches}/{args.queries}")
    verdict = "MET" if i95 < TARGET_P95_MS else "NOT MET"
    print(f"Target: p95 < {TARGET_P95_MS:g} ms for nearest_hubs -> {verdict}")
    return 0 if i95 < TARGET_P95_MS and mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
