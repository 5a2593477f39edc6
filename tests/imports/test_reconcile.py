"""Reconciling two sources: the categories of a DTSEN file against the city's own list,
the XLSX/CSV results, the page (who may use it, refused files, downloads) and the command.
"""

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from entas.core.models import AuditEvent
from entas.imports import reconcile
from entas.imports.reconcile import BOTH, CONFLICT, LEFT_ONLY, RIGHT_ONLY
from entas.wilayah.identity import compose_kk, compose_nik

pytestmark = pytest.mark.django_db

KELURAHAN = "33.74.10.1001"
REGION6 = "337410"
SLAMET, SITI, TUKIYEM, BAMBANG = (
    dt.date(1970, 3, 14),
    dt.date(1974, 8, 2),
    dt.date(1948, 2, 9),
    dt.date(1981, 11, 23),
)
DTSEN_HEADER = (
    "nomor_induk_kependudukan,nomor_kartu_keluarga,nama,jenis_kelamin,tanggal_lahir,"
    "status_hubungan_keluarga,alamat_ktp,rt_ktp,rw_ktp,kode_kelurahan_desa_ktp"
)
ENTAS_HEADER = "no_kk,nik,nama,hubungan,jenis_kelamin,tanggal_lahir,alamat,rt,rw,kode_kelurahan"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path / "var"


def kk(serial: int) -> str:
    return compose_kk(region6=REGION6, issue_date=dt.date(2016, 4, 12), serial=serial)


def nik(born: dt.date, sex: str, serial: int) -> str:
    return compose_nik(region6=REGION6, birth_date=born, sex=sex, serial=serial)


def dtsen_members() -> str:
    """DTSEN (Regsosek codes: 1 = laki-laki, 2 = perempuan; 1 = kepala, 2 = pasangan)."""
    rows = [
        f"{nik(SLAMET, 'L', 1)},{kk(1)},SLAMET RIYADI,1,{SLAMET},1,JL. MULAWARMAN 5,003,005,"
        "3374101001",
        f"{nik(SITI, 'P', 2)},{kk(1)},SITI AMINAH,2,{SITI},2,JL. MULAWARMAN 5,003,005,3374101001",
        f"{nik(TUKIYEM, 'P', 3)},{kk(2)},TUKIYEM,2,{TUKIYEM},1,JL. BULUSAN 2,001,002,3374101001",
    ]
    return "\n".join([DTSEN_HEADER, *rows]) + "\n"


def city_list() -> str:
    """The city's list in the entas template: Siti's birth date typed wrong, Bambang new."""
    wrong_siti = dt.date(1974, 8, 12)
    rows = [
        f"{kk(1)},{nik(SLAMET, 'L', 1)},Slamet Riyadi,kepala,L,{SLAMET},Jl. Mulawarman 5,3,5,"
        f"{KELURAHAN}",
        f"{kk(1)},{nik(SITI, 'P', 2)},Siti Aminah,pasangan,P,{wrong_siti},Jl. Mulawarman 5,3,5,"
        f"{KELURAHAN}",
        f"{kk(3)},{nik(BAMBANG, 'L', 4)},Bambang Sutrisno,kepala,L,{BAMBANG},Jl. Sambiroto 9,2,"
        f"7,{KELURAHAN}",
    ]
    return "\n".join([ENTAS_HEADER, *rows]) + "\n"


@pytest.fixture
def files(tmp_path: Path, regions) -> tuple[Path, Path]:
    left = tmp_path / "dtsen_anggota.csv"
    right = tmp_path / "daftar_kota.csv"
    left.write_text(dtsen_members(), encoding="utf-8")
    right.write_text(city_list(), encoding="utf-8")
    return left, right


def categories_by_name(result: reconcile.ReconcileResult) -> dict[str, str]:
    rows = result.rows.select("category", "full_name_l", "full_name_r", "differences").iter_rows()
    return {
        (left or right).upper(): (category, differences)
        for category, left, right, differences in rows
    }


def test_two_sources_are_categorised_person_by_person(files) -> None:
    # given a DTSEN member file and the city's list with one wrong birth date
    left, right = files

    # when they are reconciled
    result = reconcile.reconcile_files([left], [right])

    # then every person lands in exactly one category, the conflict named
    assert categories_by_name(result) == {
        "SLAMET RIYADI": (BOTH, ""),
        "SITI AMINAH": (CONFLICT, "tanggal lahir"),
        "TUKIYEM": (LEFT_ONLY, ""),
        "BAMBANG SUTRISNO": (RIGHT_ONLY, ""),
    }
    assert result.counts == {BOTH: 1, CONFLICT: 1, LEFT_ONLY: 1, RIGHT_ONLY: 1}
    assert (result.left_rows, result.right_rows) == (3, 3)
    assert result.by_kecamatan == [
        {"code": "33.74.10", "name": "Tembalang", "counts": [1, 1, 1, 1], "total": 4}
    ]


def test_record_ids_name_the_file_and_spreadsheet_row(files) -> None:
    left, right = files

    result = reconcile.reconcile_files([left], [right])

    tukiyem = result.rows.filter(pl.col("category") == LEFT_ONLY).row(0, named=True)
    assert tukiyem["record_id_l"] == "dtsen_anggota.csv:4"
    assert tukiyem["record_id_r"] is None


def test_xlsx_has_a_summary_and_a_sheet_per_category(files, tmp_path) -> None:
    result = reconcile.reconcile_files(*[[path] for path in files])
    target = tmp_path / "hasil.xlsx"

    reconcile.write_output(result, target)

    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["ringkasan", BOTH, CONFLICT, LEFT_ONLY, RIGHT_ONLY]
    conflict = list(book[CONFLICT].iter_rows(values_only=True))
    assert len(conflict) == 2
    assert conflict[1][0] == "Ada di keduanya, berbeda isi"
    assert conflict[1][4] == "tanggal lahir"
    assert conflict[1][7] == nik(SITI, "P", 2)  # NIK stays text, all 16 digits
    summary = list(book["ringkasan"].iter_rows(values_only=True))
    assert summary[1][:6] == ("Tembalang", 1, 1, 1, 1, 4)


def test_csv_has_one_row_per_record_with_its_category(files, tmp_path) -> None:
    result = reconcile.reconcile_files(*[[path] for path in files])
    target = tmp_path / "hasil.csv"

    reconcile.write_output(result, target)

    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 5
    assert sorted(row[0] for row in rows[1:]) == sorted(
        str(label) for label in reconcile.CATEGORY_LABELS.values()
    )


def test_a_side_over_the_limit_is_sent_to_the_command_line(files) -> None:
    with pytest.raises(reconcile.ReconcileTooLarge, match="entas reconcile"):
        reconcile.reconcile_files([files[0]], [files[1]], max_rows=2)


# --- the page -------------------------------------------------------------------------


def upload(text: str, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post(client, left: SimpleUploadedFile, right: SimpleUploadedFile):
    return client.post(reverse("imports:reconcile"), {"kiri": [left], "kanan": [right]})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin_dinsos", 200),
        ("officer_tembalang", 403),
        ("opd_dinkes", 403),
        ("partner_csr", 403),
        ("leader", 403),
        ("auditor", 403),
    ],
)
def test_only_admins_may_reconcile(cast, client_for, role, status) -> None:
    response = client_for(cast[role]).get(reverse("imports:reconcile"))

    assert response.status_code == status


def test_page_shows_the_counts_and_offers_the_downloads(admin_dinsos, client_for) -> None:
    client = client_for(admin_dinsos)

    response = post(
        client, upload(dtsen_members(), "dtsen_anggota.csv"), upload(city_list(), "kota.csv")
    )

    assert response.status_code == 200
    run = response.context["run"]
    assert run.result.counts == {BOTH: 1, CONFLICT: 1, LEFT_ONLY: 1, RIGHT_ONLY: 1}
    assert "Tembalang" in response.content.decode()
    event = AuditEvent.objects.get(action="import.reconcile")
    assert event.changes["counts"] == run.result.counts
    download = client.get(reverse("imports:reconcile_download", args=[run.token, "xlsx"]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    assert book.sheetnames[0] == "ringkasan"
    assert AuditEvent.objects.filter(action="import.reconcile_download").count() == 1


def test_another_session_cannot_download_a_result(admin_dinsos, client_for) -> None:
    run = post(
        client_for(admin_dinsos),
        upload(dtsen_members(), "dtsen_anggota.csv"),
        upload(city_list(), "kota.csv"),
    ).context["run"]

    response = client_for(admin_dinsos).get(
        reverse("imports:reconcile_download", args=[run.token, "csv"])
    )

    assert response.status_code == 404


def test_an_unreadable_file_is_refused_in_indonesian(admin_dinsos, client_for) -> None:
    binary = SimpleUploadedFile("foto.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/csv")

    response = post(client_for(admin_dinsos), binary, upload(city_list(), "kota.csv"))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Berkas foto.csv bukan tabel CSV atau Excel. Unggah data dalam format Excel (.xlsx) "
        "atau CSV."
    ]
    assert not AuditEvent.objects.filter(action="import.reconcile").exists()


def test_a_side_without_files_is_a_form_error(admin_dinsos, client_for) -> None:
    response = client_for(admin_dinsos).post(
        reverse("imports:reconcile"), {"kiri": [upload(city_list(), "kota.csv")]}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["kanan"] == [
        "Pilih sedikitnya satu berkas sumber kanan."
    ]


# --- the command ----------------------------------------------------------------------


def test_command_writes_the_result_and_prints_the_counts(files, tmp_path) -> None:
    left, right = files
    output = tmp_path / "hasil.xlsx"
    stdout = io.StringIO()

    call_command(
        "reconcile",
        "--left",
        str(left),
        "--right",
        str(right),
        "--output",
        str(output),
        stdout=stdout,
    )

    printed = stdout.getvalue().splitlines()
    assert printed[1:5] == [
        "keduanya: 1 (Ada di keduanya)",
        "konflik: 1 (Ada di keduanya, berbeda isi)",
        "hanya_kiri: 1 (Hanya di sumber kiri)",
        "hanya_kanan: 1 (Hanya di sumber kanan)",
    ]
    assert load_workbook(output, read_only=True).sheetnames[0] == "ringkasan"


def test_command_exits_2_on_an_unreadable_file(files, tmp_path) -> None:
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")

    with pytest.raises(CommandError) as raised:
        call_command(
            "reconcile",
            "--left",
            str(empty),
            "--right",
            str(files[1]),
            "--output",
            str(tmp_path / "hasil.csv"),
        )

    assert raised.value.returncode == 2
    assert "kosong" in str(raised.value)
    assert not (tmp_path / "hasil.csv").exists()


def test_a_dtsen_family_file_gives_its_members_kelurahan_and_address(regions, tmp_path) -> None:
    # given a member file without region columns and its family file
    members = tmp_path / "anggota.csv"
    members.write_text(
        "nomor_induk_kependudukan,nomor_kartu_keluarga,nama,jenis_kelamin,tanggal_lahir\n"
        f"{nik(TUKIYEM, 'P', 3)},{kk(2)},TUKIYEM,2,{TUKIYEM}\n",
        encoding="utf-8",
    )
    families = tmp_path / "keluarga.csv"
    families.write_text(
        "nomor_kartu_keluarga,nama_anggota_keluarga,alamat,kode_kelurahan_desa,desil_nasional\n"
        f"{kk(2)},TUKIYEM,JL. BULUSAN 2,3374101001,1\n",
        encoding="utf-8",
    )

    # when the side is read
    side = reconcile.read_side(
        [members, families], ["anggota.csv", "keluarga.csv"], work_dir=tmp_path / "work"
    )

    # then the member carries the family's kelurahan and address
    assert side.select("record_id", "full_name", "sex", "kelurahan_code", "address").rows() == [
        ("anggota.csv:2", "TUKIYEM", "P", KELURAHAN, "JL. BULUSAN 2")
    ]


def test_a_p3ke_person_id_does_not_replace_the_row_reference(regions, tmp_path) -> None:
    p3ke = tmp_path / "p3ke.csv"
    p3ke.write_text(
        "id_keluarga_p3ke,kecamatan,desa_kelurahan,kode_kemdagri,id_individu,nama,nik,"
        "jenis_kelamin,tanggal_lahir,padan_dukcapil\n"
        f"P1,TEMBALANG,BULUSAN,3374101001,P101,Tukiyem,{nik(TUKIYEM, 'P', 3)},Perempuan,"
        "09/02/1948,Ya\n",
        encoding="utf-8",
    )

    side = reconcile.read_side([p3ke], ["p3ke.csv"], work_dir=tmp_path / "work")

    assert side.select("record_id", "birth_date", "sex", "kelurahan_code").rows() == [
        ("p3ke.csv:2", "1948-02-09", "P", KELURAHAN)
    ]
