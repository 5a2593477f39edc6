"""A verval campaign in a real browser on a phone: an administrator creates a campaign from
a classified period, shares its families among the officers and starts it.

Four families: three extreme-poor in Meteseh (kecamatan Tembalang), whose PSM is Sari, and
one in Jerakah (Tugu), where nobody works yet, so the page must say it has no officer.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.conftest import _user
from tests.factories import make_household

from entas.accounts.models import Role
from entas.registry import choices as rc
from entas.registry.services import welfare_record
from entas.targeting import defaults, services
from entas.targeting.models import PovertyLine, RuleSet, ScoreModel
from entas.verval import choices as c
from entas.verval.models import Campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

METESEH = "33.74.10.1001"
JERAKAH = "33.74.16.1001"


@pytest.fixture
def january(regions, admin_dinsos):
    """January 2025 classified over the four families; Sari covers Meteseh."""
    defaults.load(PovertyLine, RuleSet, ScoreModel)
    for kelurahan, surname in [(METESEH, "Satu"), (METESEH, "Dua"), (METESEH, "Tiga"),
                               (JERAKAH, "Empat")]:  # fmt: skip
        family = make_household(kelurahan_code=kelurahan, surname=surname)
        welfare_record(
            actor=None, household=family, as_of=dt.date(2025, 1, 10), source=rc.Source.DTSEN,
            values={"expenditure_per_capita": 250_000},
        )  # fmt: skip
    sari = _user("psm_sari", Role.FIELD_OFFICER, areas=(METESEH,))
    sari.full_name = "Sari Wulandari"
    sari.save(update_fields=["full_name"])
    period = services.period_create(
        actor=admin_dinsos, code="2025-01", name="Januari 2025",
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 1, 31),
    )  # fmt: skip
    services.period_classify(actor=admin_dinsos, period=period)
    return period


def test_admin_creates_assigns_and_starts_a_campaign_on_a_phone(
    phone: Page, live_server, january, screenshots
):
    page = phone
    sign_in(page, live_server, "admin_dinsos", "/verval/kampanye/")
    page.get_by_role("link", name="Buat kampanye").click()

    page.get_by_label("Nama kampanye").fill("Verval Januari 2025")
    page.get_by_label("Periode sasaran").select_option(label="Januari 2025 (2025-01)")
    today = timezone.localdate()  # a campaign running now: the countdown reads "25 hari lagi"
    page.get_by_label("Mulai").fill(today.isoformat())
    page.get_by_label("Batas waktu").fill((today + dt.timedelta(days=25)).isoformat())
    page.get_by_label("Keluarga miskin ekstrem dan kandidat verval periode ini").check()
    assert_fits_the_phone(page, "the new campaign form")
    page.get_by_role("button", name="Buat kampanye").click()

    campaign = Campaign.objects.get()
    expect(page).to_have_url(live_server.url + f"/verval/kampanye/{campaign.pk}/")
    expect(page.locator(".messages")).to_contain_text("4 keluarga ditambahkan")
    expect(page.locator("#campaign-status")).to_have_text("Draf")

    page.get_by_role("link", name="Bagi ke petugas").click()
    page.get_by_role("button", name="Bagi sekarang").click()
    expect(page.locator("#assign-result")).to_contain_text("3 keluarga dibagi ke petugas.")
    expect(page.locator("#unassigned-kelurahan")).to_contain_text("Jerakah, Tugu: 1")
    assert_fits_the_phone(page, "the assignment page")

    page.get_by_role("link", name=campaign.name).click()
    expect(page.locator("#kelurahan-table")).to_contain_text("Sari Wulandari (3)")
    page.get_by_role("link", name="Mulai kampanye").click()
    expect(page.locator("#status-warning")).to_contain_text("1 keluarga belum punya petugas")
    page.get_by_role("button", name="Ya, mulai").click()

    expect(page.locator("#campaign-status")).to_have_text("Berjalan")
    expect(page.locator("#campaign-counts")).to_contain_text("4")
    expect(page.locator("#deadline")).to_contain_text("25 hari lagi")
    assert_fits_the_phone(page, "the campaign page")
    page.screenshot(path=str(screenshots / "verval-campaign-detail.png"), full_page=True)
    campaign.refresh_from_db()
    assert campaign.status == c.CampaignStatus.ACTIVE
    assert campaign.assignments.filter(officer__username="psm_sari").count() == 3
