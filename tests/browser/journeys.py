"""Steps every browser journey takes: signing in, and checking a page fits the phone."""

import re

from playwright.sync_api import Page, expect
from tests.browser.conftest import PHONE

PASSWORD = "rahasia-uji-123"  # the password of the named cast in tests/conftest.py
NO_HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def sign_in(page: Page, live_server, username: str, path: str) -> None:
    """Open `path`, sign in on the login page it leads to, and land back on `path`."""
    page.goto(live_server.url + path)
    expect(page).to_have_url(re.compile(r"/akun/masuk/\?next="))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + path)


def assert_fits_the_phone(page: Page, what: str) -> None:
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), (
        f"{what} scrolls sideways at {PHONE['width']} px: "
        f"scrollWidth {page.evaluate('document.documentElement.scrollWidth')}"
    )
