"""Import pages over HTTP: who may use them, upload → preview → commit, progress polling,
refused files, the remembered column mapping and the reports.

Tasks run on the immediate backend, and only when a test runs the callbacks the view
registered with `transaction.on_commit`: until then a batch sits where the worker would
find it.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from entas.core.models import AuditEvent
from entas.imports import forms as import_forms
from entas.imports import services
from entas.imports.models import ColumnMapping, ImportBatch, ImportStatus
from entas.registry.models import Household, Person
from entas.wilayah.identity import compose_kk, compose_nik

pytestmark = pytest.mark.django_db

KELURAHAN = "33.74.10.1001"
UNKNOWN_KELURAHAN = "33.74.10.9999"
REGION6 = "337410"
HEADERS = "no_kk,nik,nama,hubungan,jenis_kelamin,tanggal_lahir,alamat,rt,rw,kode_kelurahan"
ROLES = [
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
    "auditor",
]


@pytest.fixture(autouse=True)
def tasks_run_when_enqueued(settings, tmp_path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path / "var"


def kk(serial: int) -> str:
    return compose_kk(region6=REGION6, issue_date=dt.date(2016, 4, 12), serial=serial)


def nik(born: dt.date, sex: str, serial: int) -> str:
    return compose_nik(region6=REGION6, birth_date=born, sex=sex, serial=serial)


def family_rows() -> list[str]:
    """Two families in Tembalang: a couple and a widow."""
    slamet, siti, tukiyem = dt.date(1970, 3, 14), dt.date(1974, 8, 2), dt.date(1948, 2, 9)
    return [
        f"{kk(1)},{nik(slamet, 'L', 1)},SLAMET RIYADI,kepala,L,{slamet},JL. MULAWARMAN 5,003,005,"
        f"{KELURAHAN}",
        f"{kk(1)},{nik(siti, 'P', 2)},SITI AMINAH,pasangan,P,{siti},JL. MULAWARMAN 5,003,005,"
        f"{KELURAHAN}",
        f"{kk(2)},{nik(tukiyem, 'P', 3)},TUKIYEM,kepala,P,{tukiyem},JL. BULUSAN 2,001,002,"
        f"{KELURAHAN}",
    ]


def entas_csv(
    rows: list[str], headers: str = HEADERS, name: str = "kota.csv"
) -> SimpleUploadedFile:
    content = "\n".join([headers, *rows]).encode()
    return SimpleUploadedFile(name, content, content_type="text/csv")


def upload(client: Client, *files: SimpleUploadedFile, source: str = "entas", **fields):
    data = {"berkas": list(files), "source": source, **fields}
    return client.post(reverse("imports:list"), data)


def upload_and_stage(
    client: Client, capture: Callable, *files: SimpleUploadedFile, **fields
) -> ImportBatch:
    with capture(execute=True):
        response = upload(client, *files, **fields)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:batch", args=[batch.pk])
    batch.refresh_from_db()
    return batch


def post_and_run(client: Client, capture: Callable, url: str, data: dict | None = None):
    with capture(execute=True):
        return client.post(url, data or {})


@pytest.fixture
def admin_client(admin_dinsos, client_for) -> Client:
    return client_for(admin_dinsos)


@pytest.fixture
def staged(admin_dinsos) -> ImportBatch:
    """A batch read and checked, with one rejected row (a kelurahan code that does not exist)."""
    budi = f"{kk(3)},{nik(dt.date(1980, 1, 1), 'L', 4)},BUDI,kepala,L,1980-01-01,JL. X,001,001"
    rows = [*family_rows(), f"{budi},{UNKNOWN_KELURAHAN}"]
    file = entas_csv(rows)
    batch = services.import_create(user=admin_dinsos, uploads=[(file.name, file)], source="entas")
    return services.import_stage(batch=batch)


@pytest.fixture
def committed(admin_dinsos, staged) -> ImportBatch:
    return services.import_commit(batch=staged, user=admin_dinsos)


# --- who may import --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_may_open_the_import_pages(role, cast, client_for, staged):
    client = client_for(cast[role])
    expected = 200 if role == "admin_dinsos" else 403

    pages = [
        reverse("imports:list"),
        reverse("imports:batch", args=[staged.pk]),
        reverse("imports:progress", args=[staged.pk]),
        reverse("imports:changes", args=[staged.pk]),
        reverse("imports:errors", args=[staged.pk, "csv"]),
        reverse("imports:changes_download", args=[staged.pk, "csv"]),
    ]

    assert [client.get(page).status_code for page in pages] == [expected] * len(pages)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin_dinsos"])
def test_other_roles_can_neither_upload_nor_commit(role, cast, client_for, staged):
    client = client_for(cast[role])

    uploaded = upload(client, entas_csv(family_rows()))
    committed = client.post(reverse("imports:commit", args=[staged.pk]))
    cancelled = client.post(reverse("imports:cancel", args=[staged.pk]))

    assert (uploaded.status_code, committed.status_code, cancelled.status_code) == (403, 403, 403)
    assert ImportBatch.objects.count() == 1
    staged.refresh_from_db()
    assert staged.status == ImportStatus.PREVIEW


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("imports:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_state_changes_need_post(admin_client, staged):
    for name in ("commit", "cancel", "mapping"):
        assert admin_client.get(reverse(f"imports:{name}", args=[staged.pk])).status_code == 405


# --- upload, preview, commit -----------------------------------------------------------


def test_upload_is_staged_previewed_then_committed(
    admin_client, django_capture_on_commit_callbacks
):
    batch = upload_and_stage(
        admin_client,
        django_capture_on_commit_callbacks,
        entas_csv(family_rows()),
        as_of="2025-06-30",
    )

    assert batch.status == ImportStatus.PREVIEW
    assert batch.as_of == dt.date(2025, 6, 30)
    assert (batch.counts["rows"], batch.counts["accepted"], batch.counts["rejected"]) == (3, 3, 0)
    assert (batch.counts["households_created"], batch.counts["persons_created"]) == (2, 3)
    assert Household.objects.count() == 0

    page = admin_client.get(reverse("imports:batch", args=[batch.pk]))
    assert page.status_code == 200
    assert "hx-trigger" not in page.content.decode()
    assert dict(page.context["counts"])["Keluarga baru"] == 2
    assert "Simpan ke registri" in page.content.decode()

    url = reverse("imports:commit", args=[batch.pk])
    response = post_and_run(admin_client, django_capture_on_commit_callbacks, url)

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert sorted(Household.objects.values_list("kk_number", "kelurahan_id")) == [
        (kk(1), KELURAHAN),
        (kk(2), KELURAHAN),
    ]
    assert Person.objects.count() == 3
    page = admin_client.get(reverse("imports:batch", args=[batch.pk]))
    assert "Selesai disimpan" in page.content.decode()
    assert "Simpan ke registri" not in page.content.decode()


def test_dry_run_checks_without_saving(admin_client, django_capture_on_commit_callbacks):
    batch = upload_and_stage(
        admin_client, django_capture_on_commit_callbacks, entas_csv(family_rows()), dry_run="on"
    )

    assert batch.status == ImportStatus.DRY_RUN
    assert Household.objects.count() == 0
    page = admin_client.get(reverse("imports:batch", args=[batch.pk])).content.decode()
    assert "Simpan ke registri" not in page
    assert reverse("imports:errors", args=[batch.pk, "xlsx"]) in page


def test_progress_fragment_polls_while_staging_and_stops_when_done(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        upload(admin_client, entas_csv(family_rows()))
    batch = ImportBatch.objects.get()
    url = reverse("imports:progress", args=[batch.pk])

    waiting = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()
    for callback in callbacks:
        callback()
    done = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 1s"' in waiting
    assert f'hx-get="{url}"' in waiting
    assert "<progress" in waiting
    assert "hx-trigger" not in done
    assert "<progress" not in done
    assert "Siap ditinjau" in done


def test_page_after_commit_polls_until_the_worker_has_saved(
    admin_client, staged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("imports:commit", args=[staged.pk]))
    waiting = admin_client.get(response["Location"]).content.decode()
    for callback in callbacks:
        callback()
    done = admin_client.get(response["Location"]).content.decode()

    assert response["Location"] == reverse("imports:batch", args=[staged.pk]) + "?simpan=1"
    progress = reverse("imports:progress", args=[staged.pk]) + "?simpan=1"
    assert f'hx-get="{progress}"' in waiting
    assert "Simpan ke registri" not in waiting
    assert "hx-trigger" not in done
    assert "Selesai disimpan" in done
    assert Household.objects.count() == 2


def test_cancel_leaves_the_registry_alone(admin_client, staged):
    response = admin_client.post(reverse("imports:cancel", args=[staged.pk]))

    assert response.status_code == 302
    staged.refresh_from_db()
    assert staged.status == ImportStatus.CANCELLED
    assert Household.objects.count() == 0


def test_commit_of_a_cancelled_batch_is_refused(
    admin_client, admin_dinsos, staged, django_capture_on_commit_callbacks
):
    services.import_cancel(batch=staged, user=admin_dinsos)

    url = reverse("imports:commit", args=[staged.pk])
    response = post_and_run(admin_client, django_capture_on_commit_callbacks, url)

    assert response.status_code == 302
    staged.refresh_from_db()
    assert staged.status == ImportStatus.CANCELLED
    assert Household.objects.count() == 0


# --- refused uploads -------------------------------------------------------------------


def test_upload_without_a_file_is_refused(admin_client):
    response = upload(admin_client)

    assert response.status_code == 400
    assert "Pilih sedikitnya satu berkas untuk diimpor." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_empty_file_is_refused(admin_client):
    response = upload(admin_client, SimpleUploadedFile("kosong.csv", b""))

    assert response.status_code == 400
    assert "Berkas yang dipilih kosong" in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert Household.objects.count() == 0


def test_unreadable_file_is_refused_on_the_form_with_the_reason(admin_client):
    binary = SimpleUploadedFile("data.csv", b"\x00\x01\x02\x03garbage\xff\xfe" * 64)

    response = upload(admin_client, binary)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Berkas data.csv bukan tabel CSV atau Excel." in page
    assert ImportBatch.objects.count() == 0
    assert Household.objects.count() == 0


def test_truncated_workbook_fails_after_upload_with_what_to_do(
    admin_client, django_capture_on_commit_callbacks, tmp_path
):
    import xlsxwriter

    path = tmp_path / "data.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number in range(2000):
        sheet.write_row(number, 0, ["no_kk", "nik", "nama", "x" * 50])
    book.close()
    whole = path.read_bytes()
    broken = SimpleUploadedFile("data.xlsx", whole[: len(whole) - 200])

    response = upload(admin_client, broken)

    assert response.status_code == 400
    assert "rusak atau terpotong" in response.content.decode()
    assert Household.objects.count() == 0


def test_file_over_the_size_limit_is_refused_before_reading(admin_client, monkeypatch):
    monkeypatch.setattr(import_forms, "MAX_FILE_BYTES", 10)

    response = upload(admin_client, entas_csv(family_rows(), name="besar.csv"))

    assert response.status_code == 400
    assert "Berkas besar.csv lebih besar dari 1 GB" in response.content.decode()
    assert ImportBatch.objects.count() == 0


# --- column mapping --------------------------------------------------------------------


def mapping_form_data(rows: list[dict], **changed: str) -> dict[str, str]:
    """The mapping form as a browser sends it: every select, some of them changed."""
    return {
        row["field"].html_name: changed.get(row["header"], row["field"].value()) for row in rows
    }


def test_changed_column_mapping_is_remembered_and_used_next_time(
    admin_client, django_capture_on_commit_callbacks
):
    headers = HEADERS.replace(",nama,", ",nama_warga_lengkap,")
    capture = django_capture_on_commit_callbacks
    first = upload_and_stage(admin_client, capture, entas_csv(family_rows(), headers=headers))
    page = admin_client.get(reverse("imports:batch", args=[first.pk]))
    row = next(r for r in page.context["mapping_rows"] if r["header"] == "nama_warga_lengkap")
    assert row["status"] == "tidak_dikenal"

    url = reverse("imports:mapping", args=[first.pk])
    data = mapping_form_data(page.context["mapping_rows"], nama_warga_lengkap="full_name")
    response = post_and_run(admin_client, capture, url, data)

    assert response.status_code == 302
    assert list(ColumnMapping.objects.values_list("source", "header", "field")) == [
        ("entas", "nama_warga_lengkap", "full_name")
    ]
    first.refresh_from_db()
    assert (first.status, first.counts["accepted"]) == (ImportStatus.PREVIEW, 3)

    with capture(execute=True):
        upload(admin_client, entas_csv(family_rows(), headers=headers))
    second = ImportBatch.objects.exclude(pk=first.pk).get()
    assert (second.status, second.counts["accepted"]) == (ImportStatus.PREVIEW, 3)
    page = admin_client.get(reverse("imports:batch", args=[second.pk]))
    row = next(r for r in page.context["mapping_rows"] if r["header"] == "nama_warga_lengkap")
    assert (row["status"], row["field"].value()) == ("dikenali", "full_name")


def test_unknown_field_in_the_mapping_is_refused(admin_client, staged):
    page = admin_client.get(reverse("imports:batch", args=[staged.pk]))
    data = mapping_form_data(page.context["mapping_rows"], nama="gaji")

    response = admin_client.post(reverse("imports:mapping", args=[staged.pk]), data)

    assert response.status_code == 400
    assert "Kolom entas gaji tidak dikenal." in response.content.decode()
    assert ColumnMapping.objects.count() == 0


# --- reports ---------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("name", "fmt", "content_type", "start"),
    [
        ("imports:errors", "xlsx", XLSX, b"PK"),
        ("imports:errors", "csv", "text/csv; charset=utf-8", b""),
        ("imports:changes_download", "xlsx", XLSX, b"PK"),
        ("imports:changes_download", "csv", "text/csv; charset=utf-8", b""),
    ],
)
def test_reports_download_as_spreadsheets(admin_client, committed, name, fmt, content_type, start):
    response = admin_client.get(reverse(name, args=[committed.pk, fmt]))

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert body.startswith(start)
    assert len(body) > 0


def test_rejected_rows_report_names_the_bad_row(admin_client, staged):
    response = admin_client.get(reverse("imports:errors", args=[staged.pk, "csv"]))

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert UNKNOWN_KELURAHAN in body


def test_unknown_report_format_is_not_found(admin_client, staged):
    response = admin_client.get(f"/impor/{staged.pk}/ditolak.pdf")

    assert response.status_code == 404


def test_change_list_summarises_per_kelurahan_and_lists_rows(admin_client, committed):
    url = reverse("imports:changes", args=[committed.pk])

    summary = admin_client.get(url)
    rows = admin_client.get(url, {"kelurahan": KELURAHAN, "jenis": "keluarga_baru"})

    assert summary.status_code == 200
    assert [row["code"] for row in summary.context["summary"]["rows"]] == [KELURAHAN]
    assert summary.context["page"] is None
    assert rows.status_code == 200
    assert sorted(row["change"].label for row in rows.context["rows"]) == [
        "SLAMET RIYADI",
        "TUKIYEM",
    ]
    assert rows.context["page"].paginator.count == 2
    assert "SLAMET RIYADI" in rows.content.decode()


def test_change_list_refuses_an_unknown_kind(admin_client, staged):
    response = admin_client.get(reverse("imports:changes", args=[staged.pk]), {"jenis": "x"})

    assert response.status_code == 400
    assert "Jenis perubahan x tidak dikenal." in response.content.decode()


def test_change_list_download_for_one_kelurahan(admin_client, committed):
    url = reverse("imports:changes_download", args=[committed.pk, "csv"])

    response = admin_client.get(url, {"kelurahan": KELURAHAN})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert "SLAMET RIYADI" in body
    assert f"perubahan-{committed.pk}-{KELURAHAN}.csv" in response["Content-Disposition"]


def test_change_list_download_refuses_a_kelurahan_the_batch_did_not_change(admin_client, committed):
    url = reverse("imports:changes_download", args=[committed.pk, "csv"])

    response = admin_client.get(url, {"kelurahan": "../../../etc/x"})

    assert response.status_code == 400


def test_reports_of_a_cancelled_batch_are_gone(admin_client, admin_dinsos, staged):
    services.import_cancel(batch=staged, user=admin_dinsos)

    response = admin_client.get(reverse("imports:errors", args=[staged.pk, "csv"]))

    assert response.status_code == 404


def test_downloads_and_change_rows_are_audited(admin_client, committed):
    admin_client.get(reverse("imports:errors", args=[committed.pk, "xlsx"]))
    admin_client.get(reverse("imports:changes", args=[committed.pk]), {"kelurahan": KELURAHAN})

    events = AuditEvent.objects.filter(trail=committed.trail).order_by("id")
    actions = [event.action for event in events if event.action != "import.commit"]
    assert actions == ["import.errors_download", "import.changes_view"]
    assert len(events.get(action="import.changes_view").changes["household_ids"]) == 2


def test_mapping_post_with_one_select_changes_only_that_column(
    admin_client, staged, django_capture_on_commit_callbacks
):
    page = admin_client.get(reverse("imports:batch", args=[staged.pk]))
    row = next(r for r in page.context["mapping_rows"] if r["header"] == "rt")

    url = reverse("imports:mapping", args=[staged.pk])
    post_and_run(
        admin_client, django_capture_on_commit_callbacks, url, {row["field"].html_name: ""}
    )

    assert list(ColumnMapping.objects.values_list("header", "field")) == [("rt", "")]
    staged.refresh_from_db()
    assert staged.status == ImportStatus.PREVIEW
