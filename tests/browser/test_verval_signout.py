"""Signing out on a shared phone removes the pages kept for working without a signal."""

import pytest
from playwright.sync_api import Page, expect
from tests.browser.journeys import sign_in
from tests.factories import make_household
from tests.verval.builders import KELURAHAN, campaign, kelurahan_officer

from entas.verval.services import campaigns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/verval/lapangan/"
CACHED_PAGES = """async () => {
  const names = (await caches.keys()).filter((name) => name.startsWith("entas-"));
  let pages = 0;
  for (const name of names) { pages += (await (await caches.open(name)).keys()).length; }
  return pages;
}"""


def test_signing_out_removes_the_cached_lists_and_forms(
    phone: Page, live_server, regions, admin_dinsos
):
    officer = kelurahan_officer("psm_meteseh")
    family = make_household(kelurahan_code=KELURAHAN, members=2, surname="Wibowo")
    made = campaign(admin_dinsos, households=[family])
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[officer])
    sign_in(phone, live_server, "psm_meteseh", LIST)
    expect(phone.locator("#field-page[data-offline-ready='1']")).to_be_attached(timeout=20_000)
    assert phone.evaluate(CACHED_PAGES) > 0  # the list and the family's form are kept

    phone.get_by_role("button", name="Keluar").click()
    expect(phone).to_have_url(live_server.url + "/akun/masuk/")

    assert phone.evaluate(CACHED_PAGES) == 0
