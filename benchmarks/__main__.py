"""``python -m benchmarks [NAME ...]``: run the benchmarks and write ``benchmarks/results/NAME.json``.

Targets are stated as ratios to a baseline measured in the same run, because these machines are
noisy; absolute numbers are reported beside them for context only.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import bench_calc, bench_cohort, bench_engine, bench_service, bench_web

RESULTS = Path(__file__).resolve().parent / "results"

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "calc": bench_calc.run,
    "engine": bench_engine.run,
    "service": bench_service.run,
    "web": bench_web.run,
    "cohort": bench_cohort.run,  # minutes: synthesises 1,000,000 patients once (cached in .cache/)
}


def main(names: list[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in names or list(BENCHMARKS):
        if name not in BENCHMARKS:
            sys.exit(f"error: unknown benchmark {name!r} (use {', '.join(BENCHMARKS)})")
        result = BENCHMARKS[name]()
        result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
        result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        out = RESULTS / f"{name}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"{name}: {json.dumps(result.get('summary', {}))} -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
