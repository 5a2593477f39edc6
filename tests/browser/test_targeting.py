"""Targeting in a real browser: an administrator runs two periods from the forms and compares
them, a leader reads the counts on a phone, a field officer reads a family's explanation on
a phone, and an administrator adds a local poverty line. Real Chromium, live server.

Six families with known expenditure (rupiah/person/month, DTSEN data of 20 January 2025),
five in Meteseh (kecamatan Tembalang) and one in Jerakah (Tugu). Lines of the default rule
set: extreme Rp391.000 all year; GK Rp521.093 (Jawa Tengah, since September 2024) on
31 January, Rp609.160 (Indonesia, since March 2025) on 30 June; rentan below 1.2 × GK.

    family      January         2025-Q2
    naik        300.000 ekstrem  finding "Sudah mampu" on 10 May: tidak miskin
    tetap       350.000 ekstrem  ekstrem
    turun       450.000 miskin   250.000 from 1 April: ekstrem
    rentan      550.000 rentan   miskin (under the higher GK)
    mampu     2.000.000 tidak    tidak miskin
    tugu        200.000 ekstrem  ekstrem

So January counts 3/1/1/1/0/0 and Q2 3/1/0/2/0/0; compared on `ekstrem` (the rule set's
`compare`), 3 in A and 3 in B: 1 entered (turun), 1 left (naik, tidak miskin in B), 2 stayed.
"""

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Error, Page, expect
from tests.browser.journeys import assert_fits_the_phone, sign_in
from tests.factories import make_household

from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services import welfare_record
from entas.targeting import choices as c
from entas.targeting import defaults, services
from entas.targeting.models import FamilyCause, FieldFinding, PovertyLine, RuleSet, ScoreModel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
METESEH = "33.74.10.1001"  # Meteseh, kecamatan Tembalang
JERAKAH = "33.74.16.1001"  # Jerakah, kecamatan Tugu
STATUS_LABELS = [
    "Miskin ekstrem",
    "Miskin",
    "Rentan miskin",
    "Tidak miskin",
    "Belum dapat dinilai",
    "Keluar dari daftar",
]
TOTAL_LABELS = ["di periode A", "di periode B", "masuk (baru)", "kembali masuk", "keluar", "tetap"]
EXTREME_LINE = (
    "Garis kemiskinan ekstrem Rp391.000/orang/bulan (USD 2.15 PPP 2017, Indonesia, "
    "berlaku sejak 2025-01-01, versi 1)"
)
JANUARY_GK = (
    "Garis kemiskinan (GK) Rp521.093/orang/bulan (Garis kemiskinan BPS, Jawa Tengah, "
    "berlaku sejak 2024-09-01, versi 1)"
)


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def targeting_defaults(regions) -> None:
    """The sourced lines, rule set and weights; a transactional test before this one
    flushed what the data migration wrote."""
    defaults.load(PovertyLine, RuleSet, ScoreModel)


def family(expenditure: int, *, kelurahan: str = METESEH, surname: str, **welfare) -> Household:
    household = make_household(kelurahan_code=kelurahan, members=3, surname=surname)
    spend(household, expenditure, on=dt.date(2025, 1, 20), **welfare)
    return household


def spend(household: Household, expenditure: int, *, on: dt.date, **welfare) -> None:
    welfare_record(
        actor=None,
        household=household,
        as_of=on,
        source=rc.Source.DTSEN,
        values={"expenditure_per_capita": expenditure, **welfare},
    )


@pytest.fixture
def city(targeting_defaults) -> dict[str, Household]:
    """The six families of the module docstring, with turun's April data already in."""
    families = {
        "naik": family(300_000, surname="Naik", floor_type="tanah"),
        "tetap": family(350_000, surname="Tetap"),
        "turun": family(450_000, surname="Turun"),
        "rentan": family(550_000, surname="Rentan"),
        "mampu": family(2_000_000, surname="Mampu"),
        "tugu": family(200_000, kelurahan=JERAKAH, surname="Tugu"),
    }
    spend(families["turun"], 250_000, on=dt.date(2025, 4, 1))
    return families


@pytest.fixture
def two_periods(city, admin_dinsos) -> dict[str, Household]:
    """January and 2025-Q2 classified through the services, naik found able in between."""
    january = services.period_create(
        actor=admin_dinsos,
        code="2025-01",
        name="Januari 2025",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 1, 31),
    )
    services.period_classify(actor=admin_dinsos, period=january)
    services.finding_record(
        actor=admin_dinsos,
        household=city["naik"],
        outcome=c.FindingOutcome.NOW_ABLE,
        observed_on=dt.date(2025, 5, 10),
    )
    second = services.period_create(
        actor=admin_dinsos,
        code="2025-Q2",
        name="Triwulan II 2025",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2025, 6, 30),
    )
    services.period_classify(actor=admin_dinsos, period=second)
    return city


# --- browser helpers -----------------------------------------------------------------------


@pytest.fixture
def desktop(browser) -> Iterator[Page]:
    """An office screen."""
    context = browser.new_context(viewport=DESKTOP, locale="id-ID")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_errors(desktop: Page) -> list[str]:
    """Console errors and uncaught exceptions of the desktop page (htmx reports here)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    desktop.on("console", on_console)
    desktop.on("pageerror", on_page_error)
    return errors


def create_period(page: Page, code: str, name: str, starts_on: str, ends_on: str) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Buat periode"))
    form.get_by_label("Kode", exact=True).fill(code)
    form.get_by_label("Nama", exact=True).fill(name)
    form.get_by_label("Mulai", exact=True).fill(starts_on)
    form.get_by_label("Tanggal acuan (akhir)").fill(ends_on)
    form.get_by_role("button", name="Buat periode").click()


def area_rows(page: Page, table_id: str) -> list[list[str]]:
    """The body and footer rows of a counts table, each as its cells' text."""
    rows = page.locator(f"table:has(#{table_id}) :is(tbody, tfoot) tr")
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()] for row in rows.all()
    ]


# --- journeys ------------------------------------------------------------------------------


def test_admin_runs_two_periods_and_compares_them_on_a_desktop(
    desktop: Page, live_server, admin_dinsos, city, page_errors
):
    page = desktop
    sign_in(page, live_server, "admin_dinsos", "/sasaran/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sasaran: periode dan status keluarga"
    )
    expect(page.locator("main")).to_contain_text("Belum ada periode.")

    # A period from the form, then classified with the button.
    create_period(page, "2025-01", "Januari 2025", "2025-01-01", "2025-01-31")
    expect(page).to_have_url(live_server.url + "/sasaran/periode/2025-01/")
    expect(page.locator(".messages")).to_have_text("Periode Januari 2025 dibuat.")
    expect(page.locator("main")).to_contain_text("Periode ini belum diklasifikasi.")
    page.get_by_role("button", name="Klasifikasi sekarang").click()

    expect(page.locator(".messages")).to_have_text(
        "Periode Januari 2025 diklasifikasi: 6 keluarga (Miskin ekstrem 3, Miskin 1, "
        "Rentan miskin 1, Tidak miskin 1, Belum dapat dinilai 0, Keluar dari daftar 0)."
    )
    expect(page.locator("#status-counts .figure")).to_have_text(["3", "1", "1", "1", "0", "0"])
    expect(page.locator("#status-counts li > span:not(.figure)")).to_have_text(STATUS_LABELS)
    expect(page.locator("dl.facts")).to_contain_text(EXTREME_LINE)
    expect(page.locator("dl.facts")).to_contain_text(JANUARY_GK)
    expect(page.get_by_role("button", name="Klasifikasi ulang")).to_be_visible()
    assert area_rows(page, "kecamatan-table") == [
        ["Tembalang", "2", "1", "1", "1", "0", "0", "5"],
        ["Tugu", "1", "0", "0", "0", "0", "0", "1"],
        ["Jumlah", "3", "1", "1", "1", "0", "0", "6"],
    ]

    # The family page of an extremely poor family, reached from its registry page.
    naik = city["naik"]
    page.goto(live_server.url + reverse("registry:household", args=[naik.pk]))
    page.get_by_role("link", name="Status sasaran, penyebab kemiskinan dan temuan lapangan").click()
    expect(page).to_have_url(live_server.url + f"/sasaran/keluarga/{naik.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Status sasaran keluarga")
    january = page.locator("#statuses > li")
    expect(january).to_have_count(1)
    expect(january).to_contain_text("Januari 2025 · Miskin ekstrem")
    expect(january).to_contain_text("Diputuskan oleh: Pengeluaran per kapita dibanding garis")
    expect(january.locator(".steps > li")).to_have_text(
        [
            "Pengeluaran per kapita Rp300.000/bulan (sumber DTSEN, data per 2025-01-20).",
            f"Di bawah {EXTREME_LINE}.",
            re.compile(r"^Skor proksi "),  # the score model's business, tested elsewhere
            "Aturan: Aturan bawaan versi 1; periode Januari 2025 (acuan 2025-01-31).",
        ]
    )

    # Two causes derived from the data; the officer removes the housing one with a note.
    causes = page.locator("#causes > li")
    expect(causes.locator("strong")).to_have_text(
        ["Tidak ada anggota yang bekerja", "Rumah tidak layak huni"]
    )
    housing = causes.filter(has_text="Rumah tidak layak huni")
    housing.locator("summary", has_text="Hapus penyebab ini").click()
    housing.get_by_label("Catatan (mengapa dihapus)").fill("Lantai sudah dikeramik")
    housing.get_by_role("button", name="Hapus", exact=True).click()

    expect(page.locator(".messages")).to_have_text("Penyebab “Rumah tidak layak huni” dihapus.")
    expect(page.locator("#causes > li strong")).to_have_text(["Tidak ada anggota yang bekerja"])
    removed = FamilyCause.objects.get(household=naik, cause=c.Cause.POOR_HOUSING)
    assert (removed.is_present, removed.source, removed.note) == (
        False,
        c.CauseSource.MANUAL,
        "Lantai sudah dikeramik",
    )

    # A field finding: the family is able now.
    finding = page.locator("form", has=page.get_by_role("button", name="Simpan temuan"))
    finding.get_by_label("Hasil kunjungan").select_option(label="Sudah mampu")
    finding.get_by_label("Tanggal kunjungan").fill("2025-05-10")
    finding.get_by_label("Catatan").fill("Usaha warung sudah berjalan")
    finding.get_by_role("button", name="Simpan temuan").click()

    expect(page.locator(".messages")).to_have_text(
        "Temuan lapangan dicatat; berlaku pada klasifikasi berikutnya."
    )
    expect(page.locator("#findings > li")).to_have_text(
        [
            "Sudah mampu · 10-05-2025 · Dicatat petugas Dinsos (Admin Dinsos)"
            " — Usaha warung sudah berjalan"
        ]
    )
    assert list(FieldFinding.objects.values_list("household", "outcome", "observed_on")) == [
        (naik.pk, c.FindingOutcome.NOW_ABLE, dt.date(2025, 5, 10))
    ]

    # The second period, classified: the finding and turun's April data count now.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Sasaran").click()
    create_period(page, "2025-Q2", "Triwulan II 2025", "2025-04-01", "2025-06-30")
    expect(page).to_have_url(live_server.url + "/sasaran/periode/2025-Q2/")
    page.get_by_role("button", name="Klasifikasi sekarang").click()
    expect(page.locator(".messages")).to_have_text(
        "Periode Triwulan II 2025 diklasifikasi: 6 keluarga (Miskin ekstrem 3, Miskin 1, "
        "Rentan miskin 0, Tidak miskin 2, Belum dapat dinilai 0, Keluar dari daftar 0)."
    )
    expect(page.locator("#status-counts .figure")).to_have_text(["3", "1", "0", "2", "0", "0"])

    # The family's page now starts with Q2, decided by the finding.
    page.goto(live_server.url + f"/sasaran/keluarga/{naik.pk}/")
    latest = page.locator("#statuses > li").first
    expect(latest).to_contain_text("Triwulan II 2025 · Tidak miskin")
    expect(latest).to_contain_text("Diputuskan oleh: Temuan verval")
    expect(latest.locator(".steps > li").first).to_have_text(
        "Temuan lapangan “Sudah mampu” pada 2025-05-10 (Dicatat petugas Dinsos) "
        "mengesampingkan data."
    )
    # Off the list, so the derived cause follows the data away; the removed one stays removed.
    causes_section = page.locator("section", has=page.locator("#causes-heading"))
    expect(causes_section.locator(".empty")).to_have_text("Belum ada penyebab yang tercatat.")
    assert list(FamilyCause.objects.filter(household=naik).values_list("cause", "is_present")) == [
        (c.Cause.POOR_HOUSING, False)
    ]

    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Sasaran").click()
    periods = page.locator("table:has(th:text-is('Periode')) tbody tr")
    expect(periods).to_have_count(2)
    expect(periods.first.locator("th")).to_contain_text("Triwulan II 2025")
    expect(periods.first.locator("td").nth(3)).to_have_text("3")
    expect(periods.last.locator("th")).to_contain_text("Januari 2025")

    # The comparison: the form swaps its result in with htmx, the page stays.
    page.get_by_role("link", name="Bandingkan dua periode").click()
    expect(page).to_have_url(live_server.url + "/sasaran/bandingkan/")
    expect(page.locator("#comparison")).to_have_text("")
    page.evaluate("window.entasSamePage = true")
    page.get_by_label("Periode A").select_option("2025-01")
    page.get_by_label("Periode B").select_option("2025-01")
    page.get_by_role("button", name="Bandingkan", exact=True).click()
    expect(page.locator("#comparison [role=alert]")).to_have_text(
        "Pilih dua periode yang berbeda untuk dibandingkan."
    )

    page.get_by_label("Periode B").select_option(label="Triwulan II 2025 (2025-Q2)")
    with page.expect_response(re.compile(r"/sasaran/bandingkan/\?")) as answer:
        page.get_by_role("button", name="Bandingkan", exact=True).click()
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#comparison-heading")).to_have_text(
        "Januari 2025 (A) dibanding Triwulan II 2025 (B)"
    )
    expect(page.locator("#comparison [role=alert]")).to_have_count(0)
    expect(page.locator("#totals .figure")).to_have_text(["3", "3", "1", "0", "1", "2"])
    expect(page.locator("#totals li > span:not(.figure)")).to_have_text(TOTAL_LABELS)
    expect(page).to_have_url(live_server.url + "/sasaran/bandingkan/?a=2025-01&b=2025-Q2")
    assert page.evaluate("window.entasSamePage") is True
    assert area_rows(page, "compare-kecamatan") == [
        ["Tembalang", "2", "2", "1", "0", "1", "1", "Tidak miskin 1"],
        ["Tugu", "1", "1", "0", "0", "0", "1", "—"],
        ["Seluruh wilayah", "3", "3", "1", "0", "1", "2", "Tidak miskin 1"],
    ]
    assert page_errors == []


def test_leader_reads_counts_and_the_comparison_on_a_phone(
    phone: Page, live_server, leader, two_periods, screenshots
):
    sign_in(phone, live_server, "leader", "/sasaran/")

    periods = phone.locator("table:has(th:text-is('Periode')) tbody tr")
    expect(periods).to_have_count(2)
    expect(periods.first.locator("th")).to_contain_text("Triwulan II 2025")
    expect(phone.locator("#open-alerts")).to_have_text("0 peringatan terbuka")
    expect(phone.get_by_role("button", name="Buat periode")).to_have_count(0)
    expect(phone.get_by_role("heading", name="Periode baru")).to_have_count(0)
    assert_fits_the_phone(phone, "The periods list")

    phone.get_by_role("link", name="Januari 2025").click()
    expect(phone).to_have_url(live_server.url + "/sasaran/periode/2025-01/")
    expect(phone.locator("#status-counts .figure")).to_have_text(["3", "1", "1", "1", "0", "0"])
    expect(phone.locator("#status-counts li > span:not(.figure)")).to_have_text(STATUS_LABELS)
    expect(phone.locator("main").get_by_role("button")).to_have_count(
        0
    )  # no classify, freeze or export
    expect(phone.locator("main a[href*='/ekspor/'], main form[action*='/ekspor/']")).to_have_count(
        0
    )
    expect(phone.locator("main")).not_to_contain_text("Unduh daftar nama dan alamat")
    assert_fits_the_phone(phone, "The period page")

    phone.locator(".crumbs").get_by_role("link", name="Sasaran").click()
    phone.get_by_role("link", name="Bandingkan dua periode").click()
    phone.get_by_label("Periode A").select_option("2025-Q2")  # newer first: A is still January
    phone.get_by_label("Periode B").select_option("2025-01")
    phone.get_by_role("button", name="Bandingkan", exact=True).click()

    expect(phone.locator("#comparison-heading")).to_have_text(
        "Januari 2025 (A) dibanding Triwulan II 2025 (B)"
    )
    expect(phone.locator("#totals .figure")).to_have_text(["3", "3", "1", "0", "1", "2"])
    expect(phone.locator("#totals li > span:not(.figure)")).to_have_text(TOTAL_LABELS)
    # Aggregates only: the comparison's table may be downloaded, no list of names.
    expect(phone.locator("main a[href*='/ekspor/']")).to_have_text(["XLSX", "CSV"])
    expect(phone.locator("main a[href*='/ekspor/']").first).to_have_attribute(
        "href", re.compile(r"^/sasaran/bandingkan/ekspor/\?")
    )
    assert_fits_the_phone(phone, "The comparison")
    phone.screenshot(path=screenshots / "targeting-bandingkan.png", full_page=True)


def test_field_officer_reads_why_a_family_is_listed_on_a_phone(
    phone: Page, live_server, officer_tembalang, two_periods, screenshots
):
    turun = two_periods["turun"]
    path = f"/sasaran/keluarga/{turun.pk}/"
    sign_in(phone, live_server, "officer_tembalang", path)

    statuses = phone.locator("#statuses > li")
    expect(statuses).to_have_count(2)
    expect(statuses.first).to_contain_text("Triwulan II 2025 · Miskin ekstrem")
    expect(statuses.first.locator(".steps > li").first).to_have_text(
        "Pengeluaran per kapita Rp250.000/bulan (sumber DTSEN, data per 2025-04-01)."
    )
    expect(statuses.first.locator(".steps > li").nth(1)).to_have_text(f"Di bawah {EXTREME_LINE}.")
    expect(statuses.last).to_contain_text("Januari 2025 · Miskin")
    expect(statuses.last.locator(".steps > li").nth(1)).to_have_text(
        f"Tidak di bawah {EXTREME_LINE}, tetapi di bawah {JANUARY_GK}."
    )
    expect(phone.locator("#causes > li strong")).to_have_text(["Tidak ada anggota yang bekerja"])
    # An officer may edit causes; findings are recorded by Dinsos.
    expect(phone.locator("#causes summary")).to_have_text(["Hapus penyebab ini"])
    expect(phone.get_by_role("heading", name="Catat temuan")).to_have_count(0)
    assert_fits_the_phone(phone, "The family's targeting page")
    phone.screenshot(path=screenshots / "targeting-keluarga.png", full_page=True)


def test_admin_adds_a_local_line_per_day(
    desktop: Page, live_server, admin_dinsos, targeting_defaults
):
    sign_in(desktop, live_server, "admin_dinsos", "/sasaran/garis/")
    expect(desktop.locator("#kind-lokal + p.empty")).to_have_text("Belum ada garis jenis ini.")

    desktop.get_by_role("link", name="Tambah garis").click()
    expect(desktop).to_have_url(live_server.url + "/sasaran/garis/baru/")
    desktop.get_by_label("Jenis garis").select_option(label="Garis lokal")
    desktop.get_by_label("Dasar").fill("Perwal Semarang 2025")
    expect(desktop.get_by_label("Kode wilayah")).to_have_value("33.74")
    desktop.get_by_label("Berlaku sejak").fill("2025-01-01")
    desktop.get_by_label("Nilai (Rp)").fill("10.000")
    desktop.get_by_label("per orang per hari").check()
    desktop.get_by_label("Catatan").fill("Di bawah Rp10.000 per orang per hari")
    desktop.get_by_role("button", name="Simpan garis").click()

    expect(desktop).to_have_url(live_server.url + "/sasaran/garis/")
    line = PovertyLine.objects.get(kind=c.LineKind.LOCAL)
    expect(desktop.locator(".messages")).to_have_text(f"Garis {line} disimpan.")
    rows = desktop.locator("table:has(#caption-lokal) tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(0)).to_have_text("Perwal Semarang 2025")
    expect(cells.nth(1)).to_have_text(f"{line.region_name} (33.74)")
    expect(cells.nth(3)).to_have_text("Rp10.000 per orang per hari")
    expect(cells.nth(4)).to_have_text("Rp300.000")
    expect(cells.nth(5)).to_have_text("v1")
    expect(cells.nth(7)).to_have_text("Di bawah Rp10.000 per orang per hari")
    assert (line.amount, line.unit, line.effective_from, line.monthly_amount) == (
        10_000,
        c.LineUnit.PER_DAY,
        dt.date(2025, 1, 1),
        300_000,
    )
