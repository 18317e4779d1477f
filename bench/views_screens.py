"""`python -m bench.views_screens`: screenshots of the dashboard with its Views menu open at 1440×900
and 390×844 (docs/views.png, docs/views-390.png), served by `python app.py` on a seeded database.
A few views (own, shared, another's shared) are saved first through data.saved_views."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

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
from data import saved_views
from data.db import create_engine
from data.schema import users
from data.users import create_user

ROOT = Path(__file__).resolve().parent.parent
SHOTS = {VIEWPORT: ROOT / "docs" / "views.png", PHONE: ROOT / "docs" / "views-390.png"}
OWN = (
    ("Unhappy clients, 30 days", "?period=30d&user_type=client&rating=1-2", True),
    ("Billing and refunds, long chats", "?period=7d&topic=billing&topic=refunds&duration=900-", False),
)
OTHERS = (("Escalations this week", "?period=7d&escalated=true", True),)


def save_views(url: str, username: str) -> None:
    """The staff user's own views and one another staff user shares."""
    engine = create_engine(url)
    with engine.begin() as conn:
        me = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        other = create_user(
            conn, f"maria-{secrets.token_hex(2)}", password=secrets.token_urlsafe(18), is_staff=True
        )
        for owner, views in ((me, OWN), (other.id, OTHERS)):
            for name, query, shared in views:
                saved_views.save_view(conn, owner, name, query, shared, actor="bench.views_screens")
    engine.dispose()


def shoot(base: str, username: str, password: str) -> list[Path]:
    """Sign in, open the dashboard, open the Views menu and save the viewport at each size."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    page = f"{base}/admin/chat-analytics/?period=30d"
    saved = []
    with chromium(SELECTORS, quiet_ms=500) as driver:
        sign_in(driver, base, username, password, SELECTORS)
        for (width, height), path in SHOTS.items():
            set_viewport(driver, width, height)
            driver.get(page)
            WebDriverWait(driver, 120).until(
                lambda d: any(
                    c.isdigit() for c in d.find_element(By.CSS_SELECTOR, "#kpi-sessions .kpi-value").text
                )
            )
            WebDriverWait(driver, 30).until(
                lambda d: "Unhappy" in d.find_element(By.ID, "views-list").get_attribute("innerHTML")
            )
            WebDriverWait(driver, 180, poll_frequency=0.5).until(
                lambda d: d.execute_script(
                    "const p = [...document.querySelectorAll('.dash-graph .js-plotly-plot')];"
                    "return p.length > 0 && p.every((g) => (g.data || []).length > 0);"
                )
            )
            toggle = driver.find_element(By.CSS_SELECTOR, "#views-menu .views-toggle")
            if width < 600:  # on a phone the menu sits below the period buttons: bring it up
                driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'start', behavior: 'instant'})", toggle
                )
                driver.execute_script("window.scrollBy(0, -160)")
            toggle.click()
            WebDriverWait(driver, 10).until(
                ec.presence_of_element_located((By.CSS_SELECTOR, "#views-menu .dropdown-menu.show"))
            )
            time.sleep(1.0)  # charts settle
            driver.save_screenshot(str(path))
            saved.append(path)
    return saved


def main(argv: list[str] | None = None) -> int:
    """Command line: the screenshots, on --database-url (a seeded database)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.views_screens", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="a seeded database")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    username, password = create_staff(args.database_url)
    save_views(args.database_url, username)
    with (
        tempfile.TemporaryDirectory() as folder,
        server(args.database_url, 60, Path(folder) / "server.log") as base,
    ):
        for path in shoot(base, username, password):
            print(f"saved {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
