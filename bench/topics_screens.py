"""`python -m bench.topics_screens`: full-page screenshots of the topic explorer at 1440 and 390 px
wide (docs/topics.png, docs/topics-390.png), served by `python app.py` on a seeded database."""

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
SHOTS = {VIEWPORT: ROOT / "docs" / "topics.png", PHONE: ROOT / "docs" / "topics-390.png"}


def shoot(base: str, username: str, password: str, query: str) -> list[Path]:
    """Sign in through the form, open the explorer, and save a full-page PNG at each width."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    saved = []
    page = f"{base}/admin/chat-analytics/topics/{query}"
    with chromium(SELECTORS, quiet_ms=500) as driver:
        sign_in(driver, base, username, password, SELECTORS)
        for (width, height), path in SHOTS.items():
            set_viewport(driver, width, height)
            driver.get(page)
            WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "topics-table")))
            tall = driver.execute_script("return document.documentElement.scrollHeight")
            set_viewport(driver, width, max(height, int(tall)))
            time.sleep(0.5)
            driver.save_screenshot(str(path))
            saved.append(path)
    return saved


def main(argv: list[str] | None = None) -> int:
    """Command line: screenshots of the explorer on --database-url (a seeded database)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.topics_screens", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="a seeded database")
    parser.add_argument("--query", default="?period=30d", help="the explorer's address query")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    username, password = create_staff(args.database_url)
    with (
        tempfile.TemporaryDirectory() as folder,
        server(args.database_url, 0, Path(folder) / "server.log") as base,
    ):
        for path in shoot(base, username, password, args.query):
            print(f"saved {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
