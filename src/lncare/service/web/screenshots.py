"""``python -m lncare.service.web.screenshots --out docs/screenshots``: PNGs of each main view of the page
(patient form, plan, guideline comparison, trajectories, evidence) in English and Simplified Chinese,
taken in Debian's chromium from a service on a free loopback port, for example p03 on 2026-11-27."""

from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
EXAMPLE = "p03-class-iii-induction"
AS_OF = "2026-11-27"  # the date the example records are written for
VIEWS = ("patient", "plan", "compare", "course", "evidence")


def take(out: Path) -> list[Path]:
    """Write one PNG per view and locale into ``out``; returns the files written."""
    from playwright.sync_api import sync_playwright

    from lncare.cli.serve import background_server
    from lncare.service.app import create_app
    from lncare.service.settings import Settings

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with background_server(create_app(Settings(insecure_no_auth=True))) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for locale in ("en", "zh-CN"):
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=locale)
            page.goto(f"{url}/?example={EXAMPLE}&as_of={AS_OF}&lang={locale}")
            page.wait_for_selector("#plan-title")
            for view in VIEWS:
                if view == "compare":
                    page.click("#tab-plan")
                    page.click("#compare-button")
                    page.wait_for_selector("#compare-title")
                    page.locator("#compare").scroll_into_view_if_needed()
                else:
                    page.click(f"#tab-{view}")
                if view == "evidence":
                    page.wait_for_selector(".therapies")
                target = out / f"{view}-{locale}.png"
                if view == "compare":
                    page.locator("#compare").screenshot(path=str(target))
                else:
                    page.screenshot(path=str(target))
                written.append(target)
            page.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    for path in take(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
