"""First paint of a plan on the web page (issue 7: under 1 s on this machine).

``lncare serve`` runs in this process on a free loopback port; Debian's chromium opens
``/?example=p03-class-iii-induction`` in a fresh context each time and the page marks
``lncare:plan-painted`` in the Performance API on the frame after the plan is drawn. Reported per run:
that mark and the browser's first-contentful-paint, both in ms from navigation start.
"""

from __future__ import annotations

import statistics
from typing import Any

from playwright.sync_api import sync_playwright

from lncare.cli.serve import background_server
from lncare.service.app import create_app
from lncare.service.settings import Settings

CHROMIUM = "/usr/bin/chromium"
EXAMPLE = "p03-class-iii-induction"
RUNS = 10
TARGET_MS = 1000.0  # issue 7


def run() -> dict[str, Any]:
    """Measure, and return the results (``python -m benchmarks`` writes them to results/web.json)."""
    plan_ms: list[float] = []
    fcp_ms: list[float] = []
    with background_server(create_app(Settings(insecure_no_auth=True))) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for run in range(RUNS + 1):  # the first run warms the server's and the browser's caches
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{url}/?example={EXAMPLE}&as_of=2026-11-27")
            page.wait_for_function("performance.getEntriesByName('lncare:plan-painted').length > 0")
            marks = page.evaluate("""() => ({
                plan: performance.getEntriesByName('lncare:plan-painted')[0].startTime,
                fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
            })""")
            context.close()
            if run:
                plan_ms.append(marks["plan"])
                if marks["fcp"] is not None:
                    fcp_ms.append(marks["fcp"])
        browser.close()
    median = statistics.median(plan_ms)
    return {
        "what": f"first paint of the plan of {EXAMPLE} from navigation start (chromium, loopback)",
        "runs": RUNS,
        "plan_painted_ms": {"median": round(median, 1), "max": round(max(plan_ms), 1),
                            "all": [round(v, 1) for v in plan_ms]},
        "first_contentful_paint_ms": {"median": round(statistics.median(fcp_ms), 1)} if fcp_ms else None,
        # Judged on the median: other work on this shared machine puts single runs past the target.
        "summary": {"plan_painted_median_ms": round(median, 1), "target_ms": TARGET_MS,
                    "met": median < TARGET_MS},
    }
