"""Pendampingan on a phone: a companion opens their family, writes a visit note, agrees a
family plan with a goal for one of the family's needs and a step, and marks the step done.
Real Chromium at 360 px, live server; the forms answer through htmx."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect
from tests.browser.journeys import assert_fits_the_phone
from tests.verval.builders import kelurahan_officer
from tests.verval.test_companions import CAPITAL, START, WHEELCHAIR, approved_family

from entas.registry.models import Household
from entas.verval.models import CompanionNote, PlanGoal, PlanStep
from entas.verval.services import companions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def family(admin_dinsos, officer_tembalang) -> Household:
    """A Meteseh family with two needs from a visit approved by the kecamatan coordinator,
    accompanied by the kelurahan's PSM."""
    psm = kelurahan_officer("psm_meteseh")
    household = approved_family(admin_dinsos, psm, officer_tembalang, needs=[CAPITAL, WHEELCHAIR])
    companions.companion_assign(
        actor=admin_dinsos, household=household, companion=psm, started_on=START
    )
    return household


@pytest.fixture
def page_errors(phone: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    phone.on("console", on_console)
    phone.on("pageerror", on_page_error)
    return errors


def test_a_companion_writes_a_note_and_builds_the_family_plan_on_a_phone(
    phone: Page, live_server, family, screenshots, page_errors
):
    page = phone
    page.goto(live_server.url + "/verval/pendampingan/")
    expect(page).to_have_url(re.compile(r"/akun/masuk/\?next="))
    page.get_by_label("Nama pengguna").fill("psm_meteseh")
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Keluarga dampingan saya")).to_be_visible()
    expect(page.locator("#families")).to_contain_text("2 kebutuhan terbuka")
    assert_fits_the_phone(page, "The companion's families")

    page.locator("#families a.name").first.click()
    expect(page).to_have_url(live_server.url + f"/verval/pendampingan/keluarga/{family.pk}/")
    expect(page.locator("#needs")).to_contain_text("Alat bantu disabilitas: Kursi roda")

    notes = page.locator("#notes")
    notes.get_by_label("Tanggal kunjungan").fill("2025-02-03")
    notes.get_by_label("Catatan").fill("Ibu sudah mulai berjualan gorengan di depan rumah.")
    notes.get_by_role("button", name="Simpan catatan").click()
    expect(page.locator("#notes [role=status]")).to_have_text("Catatan disimpan.")
    expect(page.locator("#note-list")).to_contain_text("berjualan gorengan")

    plan = page.locator("#plan")
    plan.get_by_label("Tanggal disepakati").fill("2025-02-05")
    plan.get_by_role("button", name="Buat rencana").click()
    expect(page.locator("#plan-summary")).to_contain_text("Disepakati 05-02-2025")

    page.locator("#plan").get_by_label("Tujuan", exact=True).fill("Warung gorengan berjalan")
    page.locator("#plan").get_by_label("Untuk kebutuhan").select_option(label="Modal usaha: warung")
    page.locator("#plan").get_by_label("Target tercapai").fill("2025-06-30")
    page.locator("#plan").get_by_role("button", name="Tambah tujuan").click()
    expect(page.locator("#goals")).to_contain_text("Untuk kebutuhan: Modal usaha: warung")

    goal = page.locator("#goals li.goal").first
    goal.get_by_text("Tambah langkah").first.click()  # open the details
    goal.get_by_label("Langkah").fill("Ajukan modal usaha ke Dinkop UMKM")
    goal.get_by_label("Pelaksana").select_option(label="Pendamping")
    goal.get_by_role("button", name="Tambah langkah").click()
    expect(page.locator("#goals .plan-steps")).to_contain_text("Ajukan modal usaha")

    page.get_by_role("button", name="Tandai selesai: Ajukan modal usaha ke Dinkop UMKM").click()
    expect(page.locator("#goals .done-mark")).to_contain_text("selesai")
    expect(page.locator("#plan-summary")).to_contain_text("1 dari 1 langkah selesai")
    assert_fits_the_phone(page, "The family's verval page")
    assert page_errors == []

    assert CompanionNote.objects.get(household=family).visited_on.isoformat() == "2025-02-03"
    saved = PlanGoal.objects.get(plan__household=family)
    assert (saved.title, saved.need.kind) == ("Warung gorengan berjalan", CAPITAL.kind)
    assert PlanStep.objects.get(goal=saved).done_on is not None
    page.screenshot(path=screenshots / "verval-family-plan.png", full_page=True)
