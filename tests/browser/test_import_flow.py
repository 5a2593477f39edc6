"""An administrator imports a small CSV on a phone: upload, preview, save, change list.

Real Chromium, live server. The views enqueue the import tasks on the dummy backend; a
stand-in for the worker (`Worker`) runs them when the test lets it, at the page's next
htmx poll of the progress fragment. So the page is seen waiting, then updating itself,
and the task never uses the live server's database connection while a request is in
flight (the poll it runs in is held until the task is done).
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django_tasks import TaskResult
from django_tasks.signals import task_enqueued
from playwright.sync_api import ConsoleMessage, Error, Page, Route, expect

from entas.imports.models import ImportBatch, ImportStatus
from entas.registry.models import Household, Person
from entas.wilayah.identity import compose_kk, compose_nik
from entas.wilayah.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_HORIZONTAL_OVERFLOW = "document.scrollingElement.scrollWidth <= window.innerWidth"
REGION6 = "337410"
KELURAHAN = "3374101001"
HEADERS = "no_kk,nik,nama,hubungan,jenis_kelamin,tanggal_lahir,alamat,rt,rw,kode_kelurahan"
PROGRESS = re.compile(r"/impor/\d+/progres/")
WORK = 15_000  # ms: reading and checking the file includes loading Polars on first use


@dataclass
class Worker:
    """The task worker, off until `working`; then it takes the queue at the next poll."""

    queue: list[TaskResult] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    working: bool = False

    def enqueued(self, sender: object, task_result: TaskResult, **kwargs: object) -> None:
        self.queue.append(task_result)

    def poll(self, route: Route) -> None:
        while self.working and self.queue:
            result = self.queue.pop(0)
            try:
                result.task.call(*result.args, **result.kwargs)
            except Exception as error:  # shown at teardown; the page would only time out
                self.errors.append(error)
            self.done.append(result.task.name)
        route.continue_()


@pytest.fixture
def worker(settings, tmp_path, phone: Page) -> Iterator[Worker]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.VAR_DIR = tmp_path / "var"
    worker = Worker()
    task_enqueued.connect(worker.enqueued, weak=False, dispatch_uid="test_import_flow")
    phone.route(PROGRESS, worker.poll)
    yield worker
    task_enqueued.disconnect(dispatch_uid="test_import_flow")
    if worker.errors:
        raise worker.errors[0]


@pytest.fixture
def console_errors(phone: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page, collected while the test runs."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(error: Error) -> None:
        errors.append(f"uncaught: {error.message}")

    phone.on("console", on_console)
    phone.on("pageerror", on_page_error)
    return errors


def kk(serial: int) -> str:
    return compose_kk(region6=REGION6, issue_date=dt.date(2016, 4, 12), serial=serial)


def nik(born: dt.date, sex: str, serial: int) -> str:
    return compose_nik(region6=REGION6, birth_date=born, sex=sex, serial=serial)


SLAMET, SITI, TUKIYEM, BUDI = (
    dt.date(1970, 3, 14),
    dt.date(1974, 8, 2),
    dt.date(1948, 2, 9),
    dt.date(1980, 1, 1),
)
GOOD_NIKS = [nik(SLAMET, "L", 1), nik(SITI, "P", 2), nik(TUKIYEM, "P", 3)]
BAD_NIK = nik(BUDI, "L", 4)


def csv_bytes() -> bytes:
    """Two families in Tembalang (a couple, a widow) and one row with sex "X"."""
    rows = [
        f"{kk(1)},{GOOD_NIKS[0]},SLAMET RIYADI,kepala,L,{SLAMET},JL. MULAWARMAN 5,003,005,"
        f"{KELURAHAN}",
        f"{kk(1)},{GOOD_NIKS[1]},SITI AMINAH,pasangan,P,{SITI},JL. MULAWARMAN 5,003,005,"
        f"{KELURAHAN}",
        f"{kk(2)},{GOOD_NIKS[2]},TUKIYEM,kepala,P,{TUKIYEM},JL. BULUSAN 2,001,002,{KELURAHAN}",
        f"{kk(3)},{BAD_NIK},BUDI SANTOSO,kepala,X,{BUDI},JL. BANJARSARI 1,001,001,{KELURAHAN}",
    ]
    return "\n".join([HEADERS, *rows]).encode()


def sign_in(page: Page, live_server, username: str, landing: str = "/registri/") -> None:
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/akun/masuk/\?next="))
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(live_server.url + landing)


def fact(page: Page, label: str, facts: str = "dl.facts"):
    """The value shown next to `label` in a list of facts (`dl.counts`: the batch's counts)."""
    return (
        page.locator(f"{facts} > div")
        .filter(has=page.locator("dt", has_text=re.compile(f"^{label}$")))
        .locator("dd")
    )


def count(page: Page, label: str):
    return fact(page, label, "dl.counts")


def assert_fits_the_phone(page: Page, what: str) -> None:
    assert page.evaluate(NO_HORIZONTAL_OVERFLOW), (
        f"{what} scrolls sideways at 360 px: "
        f"scrollWidth {page.evaluate('document.scrollingElement.scrollWidth')}"
    )


def test_admin_imports_a_csv_on_a_phone(
    phone: Page, live_server, admin_dinsos, worker, console_errors, screenshots
):
    sign_in(phone, live_server, "admin_dinsos")

    phone.goto(live_server.url + "/impor/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Impor data")
    assert_fits_the_phone(phone, "The upload page")
    phone.get_by_label("Berkas", exact=True).set_input_files(
        {"name": "tembalang.csv", "mimeType": "text/csv", "buffer": csv_bytes()}
    )
    phone.get_by_role("button", name="Unggah dan periksa").click()

    # Uploaded, not yet read: the status block shows progress and polls every second.
    expect(phone).to_have_url(re.compile(r"/impor/\d+/$"))
    status = phone.locator("#batch-status")
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    expect(status.locator("progress")).to_be_visible()
    assert worker.done == []
    assert_fits_the_phone(phone, "The upload's progress")

    # The worker reads the file at the next poll; the preview replaces the progress.
    worker.working = True
    expect(status).to_contain_text("Hasil pemeriksaan", timeout=WORK)
    expect(status).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(count(phone, "Baris dibaca")).to_have_text("4")
    expect(count(phone, "Baris diterima")).to_have_text("3")
    expect(count(phone, "Baris ditolak")).to_have_text("1")
    expect(count(phone, "Keluarga baru")).to_have_text("2")
    expect(count(phone, "Individu baru")).to_have_text("3")
    assert Person.objects.count() == 0, "The preview must not write to the registry."
    assert_fits_the_phone(phone, "The preview")
    phone.screenshot(path=screenshots / "import-preview.png", full_page=True)
    source_in_preview = fact(phone, "Sumber").inner_text()  # checked at the end (known bug)

    worker.working = False
    phone.get_by_role("button", name="Simpan ke registri").click()

    # Saving: the page after "Simpan" waits for the worker, polling, then shows the result.
    expect(phone).to_have_url(re.compile(r"/impor/\d+/\?simpan=1$"))
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    expect(status).to_contain_text("Menunggu giliran disimpan ke registri")
    expect(phone.get_by_role("button", name="Simpan ke registri")).to_have_count(0)
    assert_fits_the_phone(phone, "The page waiting to save")
    worker.working = True
    expect(status).to_contain_text("Hasil impor", timeout=WORK)
    expect(status).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(phone.get_by_role("button", name="Simpan ke registri")).to_have_count(0)
    assert worker.done == ["import_stage_task", "import_commit_task"]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.COMMITTED
    assert sorted(Person.objects.values_list("nik", flat=True)) == sorted(GOOD_NIKS)
    assert not Person.objects.filter(nik=BAD_NIK).exists()
    assert sorted(Household.objects.values_list("kk_number", "kelurahan_id")) == [
        (kk(1), "33.74.10.1001"),
        (kk(2), "33.74.10.1001"),
    ]
    expect(count(phone, "Individu baru")).to_have_text("3")
    expect(count(phone, "Baris ditolak")).to_have_text("1")

    rejected = phone.locator("li", has_text="Baris ditolak dan alasannya")
    excel = rejected.get_by_role("link", name="unduh Excel")
    csv = rejected.get_by_role("link", name="unduh CSV")
    expect(excel).to_have_attribute("href", f"/impor/{batch.pk}/ditolak.xlsx")
    expect(csv).to_have_attribute("href", f"/impor/{batch.pk}/ditolak.csv")
    report = phone.request.get(live_server.url + csv.get_attribute("href"))
    assert report.ok, f"Rejected rows download answered {report.status}"
    # File, line (the header is line 1), column and value of the bad cell.
    assert "tembalang.csv,5,jenis_kelamin,X,Ditolak," in report.text()
    assert_fits_the_phone(phone, "The saved import")
    phone.screenshot(path=screenshots / "import-done.png", full_page=True)

    phone.get_by_role("link", name="Daftar perubahan per kelurahan").click()
    expect(phone).to_have_url(re.compile(rf"/impor/{batch.pk}/perubahan/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Daftar perubahan")
    summary = phone.get_by_role("table").locator("tbody tr")
    expect(summary).to_have_count(1)
    kelurahan = summary.first.get_by_role("rowheader").get_by_role("link")
    expect(kelurahan).to_have_text(Region.objects.get(code="33.74.10.1001").name)
    expect(kelurahan).to_have_attribute("href", "?kelurahan=33.74.10.1001")
    assert_fits_the_phone(phone, "The change list")

    assert console_errors == []

    # Reading the file decides the source ("auto" → "entas"), but only #batch-status is
    # swapped by the poll: the facts above it still show the source as uploaded.
    assert source_in_preview == batch.get_source_display(), (
        "BUG (imports/batch.html): after the progress poll swaps in the preview, 'Sumber' "
        f"still reads {source_in_preview!r}; the detected source {batch.get_source_display()!r} "
        "shows only after a reload, because dl.facts lies outside the polled #batch-status."
    )
