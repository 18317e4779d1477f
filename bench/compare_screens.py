"""`python -m bench.compare_screens`: screenshots of the dashboard comparing clients with providers
at 1440×900 and 390×844 (docs/compare.png, docs/compare-390.png), served by `python app.py` on a
seeded database."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.browser import (
    PHONE,
    SELECTORS,
    VIEWPORT,
    chromium,
    create_staff,
    server,
    set_viewport,
    sign_in,
)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = {VIEWPORT: ROOT / "docs" / "compare.png", PHONE: ROOT / "docs" / "compare-390.png"}
PAGE = "/admin/chat-analytics/?period=30d&user_type=client&compare=user_type:provider"


def shoot(base: str, username: str, password: str) -> list[Path]:
    """Sign in, open the compared view and save the viewport at each size (on a phone, the cards)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    saved = []
    with chromium(SELECTORS, quiet_ms=500) as driver:
        sign_in(driver, base, username, password, SELECTORS)
        for (width, height), path in SHOTS.items():
            set_viewport(driver, width, height)
            driver.get(base + PAGE)
            WebDriverWait(driver, 120).until(
                lambda d: "providers:" in d.find_element(By.CSS_SELECTOR, "#kpi-sessions").text
            )
            WebDriverWait(driver, 180, poll_frequency=0.5).until(
                lambda d: d.execute_script(
                    "const p = document.querySelector('#chart-activity .js-plotly-plot');"
                    "return p && (p.data || []).some((t) => t.name === 'Sessions, providers');"
                )
            )
            if width < 600:  # on a phone the filters fill the first screen: show the cards
                cards = driver.find_element(By.ID, "kpi-row")
                driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'start', behavior: 'instant'})", cards
                )
            time.sleep(1.0)  # charts settle
            driver.save_screenshot(str(path))
            saved.append(path)
    return saved


def main(argv: list[str] | None = None) -> int:
    """Command line: the screenshots, on --database-url (a seeded database)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare_screens", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="a seeded database")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    username, password = create_staff(args.database_url)
    with (
        tempfile.TemporaryDirectory() as folder,
        server(args.database_url, 60, Path(folder) / "server.log") as base,
    ):
        for path in shoot(base, username, password):
            print(f"saved {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
