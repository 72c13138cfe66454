"""Small timing helpers shared by the benchmarks: per-item latencies and their summary."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def time_each(items: Iterable[T], work: Callable[[T], Any]) -> list[float]:
    """Seconds spent on each item, in order."""
    latencies = []
    for item in items:
        start = time.perf_counter()
        work(item)
        latencies.append(time.perf_counter() - start)
    return latencies


def summary(latencies: list[float]) -> dict[str, float]:
    """Throughput (items/s over the summed time) and p50/p99 in milliseconds."""
    ordered = sorted(latencies)
    total = sum(ordered)
    p99_index = min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    return {
        "items": len(ordered),
        "seconds": round(total, 4),
        "per_second": round(len(ordered) / total, 1) if total else float("inf"),
        "p50_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(ordered[p99_index] * 1000, 4),
    }
