"""A real browser for the phone tests: Debian's Chromium driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` is not run):
offices install Chromium from their distribution. The sync API runs an event loop in
this thread, so Django's guard against database access from async code is lifted here.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Read by Playwright's driver when it starts: lets `context.route` see (and the offline
# journey abort) a service worker's own requests, which `set_offline` does not reach
# (microsoft/playwright#2311; tests/browser/test_verval_field.py).
os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator["object"]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install chromium (see `make check-browser`).")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A 360×740 touch screen, the size of a cheap Android phone."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: docs/screenshots (committed) with ENTAS_UPDATE_SCREENSHOTS=1,
    else a temporary folder, so a test run leaves the working tree clean."""
    if os.environ.get("ENTAS_UPDATE_SCREENSHOTS") != "1":
        return tmp_path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
