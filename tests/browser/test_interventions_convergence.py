"""Convergence in a real browser on a phone: the Dinsos admin reads the city's kelurahan ×
organisation matrix, opens Meteseh's families (htmx), a family's card, then the needs
nobody has taken on. The city is `tests.interventions.test_convergence.build_city`.
Real Chromium, live server.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.factories import head_of
from tests.interventions.test_convergence import build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_follows_the_city_matrix_to_a_family_and_the_gaps_on_a_phone(
    phone: Page, live_server, regions, admin_dinsos, screenshots
):
    city = build_city(admin_dinsos)
    path = reverse("interventions:convergence_index")
    sign_in(phone, live_server, "admin_dinsos", path)

    tiles = phone.locator("#convergence-tiles .figure")
    expect(tiles).to_have_text(["6", "1", "3", "3"])
    rows = phone.locator("#city-matrix-table tbody tr")
    expect(rows.locator("th")).to_have_text(["Meteseh", "Rowosari", "Jerakah"])
    expect(rows.first.locator("td")).to_have_text(["2", "1", "1", "0 (+1)", "·", "1 (+1)"])
    assert_fits_the_phone(phone, "The city matrix")

    phone.locator("#city-matrix-table").get_by_role("link", name="Meteseh").click()
    expect(phone).to_have_url(re.compile(r"kelurahan=33\.74\.10\.1001"))
    families = phone.locator("#family-matrix-table tbody tr th")
    budiman, aminah = head_of(city.families["B"]), head_of(city.families["A"])
    expect(families).to_have_text([budiman.full_name, aminah.full_name])
    assert_fits_the_phone(phone, "The city matrix with Meteseh's families")
    phone.locator("#family-matrix-table").scroll_into_view_if_needed()
    phone.screenshot(path=screenshots / "interventions-convergence-matrix.png", full_page=True)

    phone.locator("#family-matrix-table").get_by_role("link", name=aminah.full_name).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(aminah.full_name)
    expect(phone.locator("#family-status")).to_contain_text("Miskin ekstrem")
    expect(phone.locator("#family-referrals li")).to_have_count(2)
    expect(phone.locator("#family-needs")).to_contain_text("Jaminan kesehatan (PBI JKN)")
    assert_fits_the_phone(phone, "The family card")
    phone.screenshot(path=screenshots / "interventions-convergence-family.png", full_page=True)

    phone.get_by_role("link", name="Kebutuhan belum tertangani").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kebutuhan belum tertangani")
    expect(phone.locator("#gap-total strong")).to_have_text("3")
    expect(phone.locator("ol.gaps li .title")).to_have_text(
        ["Bantuan pangan", "Bantuan pangan", "Perbaikan rumah (RTLH)"]
    )
    assert_fits_the_phone(phone, "The coverage gaps")

    period = f"?periode={city.period.code}"
    phone.goto(live_server.url + reverse("interventions:convergence_double_dipping") + period)
    expect(phone.locator("#double-dipping > li")).to_have_count(3)
    assert_fits_the_phone(phone, "The double-dipping alerts")

    phone.get_by_role("link", name="Konvergensi", exact=True).first.click()  # the menu
    phone.get_by_role("link", name="Capaian per organisasi").first.click()
    organisations = phone.locator("#progress-table tbody tr th")
    expect(organisations).to_have_count(3)
    expect(organisations).to_contain_text([city.dinkes.name, city.disperkim.name, city.baznas.name])
    assert_fits_the_phone(phone, "The progress per organisation")
    phone.screenshot(path=screenshots / "interventions-progress.png", full_page=True)
