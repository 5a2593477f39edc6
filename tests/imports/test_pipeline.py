"""The import pipeline end to end: files in, registry rows, rejected rows and changes out."""

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from tests.factories import next_kk, next_nik

from entas.imports import services, writing
from entas.imports.models import ImportChange, ImportRowError, ImportStatus
from entas.registry.models import Household, Membership, Person, PersonNameToken, WelfareRecord
from entas.registry.services.common import name_tokens

TEMBALANG_KEL = "33.74.10.1001"
HEADER = [
    "no_kk",
    "nik",
    "nama",
    "hubungan",
    "jenis_kelamin",
    "tanggal_lahir",
    "alamat",
    "rt",
    "rw",
    "kode_kelurahan",
    "jenis_lantai",
    "penerima_pkh",
]


def family(kelurahan: str = TEMBALANG_KEL, size: int = 3, surname: str = "WIJAYA") -> list[list]:
    kk = next_kk(kelurahan_code=kelurahan)
    rows = []
    roles = ["kepala", "pasangan", "anak", "anak", "anak"]
    for number in range(size):
        sex = "L" if number != 1 else "P"
        born = dt.date(1970 + 10 * number, 1 + number, 10 + number)
        code = kelurahan.replace(".", "")
        rows.append(
            [
                kk,
                next_nik(kelurahan_code=kelurahan, birth_date=born, sex=sex),
                f"ANGGOTA{number} {surname}",
                roles[number],
                sex,
                born.strftime("%d/%m/%Y"),
                "JL. MANGGIS NO. 3",
                "3",
                "05",
                code,
                "Tanah",
                "Ya",
            ]
        )
    return rows


def write(path: Path, rows: list[list], header: list[str] = HEADER, **options) -> Path:
    with path.open("w", newline="", encoding=options.get("encoding", "utf-8")) as file:
        writer = csv.writer(file, delimiter=options.get("delimiter", ","))
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(path: Path | list[Path], **options):
    paths = path if isinstance(path, list) else [path]
    batch = services.import_from_paths(user=None, paths=paths, **options)
    return services.import_run(batch=batch, user=None)


@pytest.fixture
def imports_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    return tmp_path


@pytest.mark.django_db
def test_import_creates_households_and_is_idempotent(regions, imports_dir):
    rows = family() + family(size=2, surname="SANTOSO")
    path = write(imports_dir / "kota.csv", rows)
    batch = run(path)
    assert batch.status == ImportStatus.COMMITTED
    assert batch.counts["households_created"] == 2
    assert batch.counts["persons_created"] == 5
    head = Person.objects.get(nik=rows[0][1])
    assert head.birth_date == dt.date(1970, 1, 10)
    membership = Membership.objects.get(person=head, end_date__isnull=True)
    assert membership.relationship == "kepala"
    household = membership.household
    assert (household.kk_number, household.rt, household.rw) == (rows[0][0], "003", "005")
    assert household.kelurahan_id == TEMBALANG_KEL
    assert household.current_welfare.floor_type == "tanah"
    assert household.programme_receipts.get().programme == "pkh"
    assert set(PersonNameToken.objects.filter(person=head).values_list("token", flat=True)) == {
        "ANGGOTA0",
        "WIJAYA",
    }
    assert ImportChange.objects.filter(batch=batch, kind="keluarga_baru").count() == 2

    again = run(path)
    assert again.counts["households_created"] == 0
    assert again.counts["persons_created"] == 0
    assert again.counts["persons_updated"] == 0
    assert again.counts["unchanged"] == 5
    assert Person.objects.count() == 5
    assert WelfareRecord.objects.count() == 2
    assert not ImportChange.objects.filter(batch=again).exists()


@pytest.mark.django_db
def test_bad_rows_are_reported_and_good_neighbours_kept(regions, imports_dir):
    good = family()
    two_heads = family(surname="GANDA")
    two_heads[1][3] = "kepala"
    bad_cells = family(surname="SALAH")
    bad_cells[2][4] = "X"  # sex
    bad_cells[2][5] = "31/02/1990"  # date
    bad_nik = family(surname="NIKSALAH")
    bad_nik[1][1] = "3374104506850000"  # serial 0000
    path = write(imports_dir / "kota.csv", good + two_heads + bad_cells + bad_nik)
    batch = run(path)
    counts = batch.counts
    assert counts["rows"] == 12
    assert counts["rejected"] == 3 + 1  # the two-head family, and one bad member
    assert counts["persons_created"] == 3 + 2 + 3
    errors = ImportRowError.objects.filter(batch=batch, kind="ditolak")
    codes = set(errors.values_list("code", flat=True))
    assert {"family_many_heads", "code", "date"} <= codes
    sex_error = errors.get(code="code")
    assert sex_error.row_number == 10  # header is row 1; third member of the third family
    assert sex_error.column == "jenis_kelamin"
    assert sex_error.value == "X"
    assert "tidak dikenal" in sex_error.message
    warning = ImportRowError.objects.get(batch=batch, kind="peringatan")
    assert warning.code == "serial_zero"
    assert "tanpa NIK" in warning.message
    kept = Person.objects.get(full_name="ANGGOTA1 NIKSALAH")
    assert kept.nik is None


@pytest.mark.django_db
def test_out_of_area_rows_are_set_apart(regions, imports_dir):
    inside = family()
    outside = family(kelurahan="33.22.01.2001", surname="LUAR")  # Kabupaten Semarang
    path = write(imports_dir / "kota.csv", inside + outside)
    batch = run(path)
    assert batch.counts["out_of_area"] == 3
    assert batch.counts["rejected"] == 0
    assert not Person.objects.filter(full_name__endswith="LUAR").exists()
    assert ImportRowError.objects.filter(batch=batch, kind="luar_wilayah").count() == 3


@pytest.mark.django_db
def test_newer_quarter_records_who_entered_left_and_changed(regions, imports_dir):
    rows = family(size=4)
    run(write(imports_dir / "q1.csv", rows), as_of=dt.date(2026, 1, 1))
    newer = [list(row) for row in rows[:3]]  # the last child has left
    newer[1][2] = "ANGGOTA1 WIJAYA PUTRI"  # the spouse's name corrected
    baby = dt.date(2026, 3, 1)
    newer.append(
        [rows[0][0], next_nik(birth_date=baby, sex="P"), "BAYI WIJAYA", "anak", "P"]
        + ["01/03/2026", "JL. MANGGIS NO. 3", "3", "05", "3374101001", "Tanah", "Ya"]
    )
    batch = run(write(imports_dir / "q2.csv", newer), as_of=dt.date(2026, 4, 1))
    assert batch.counts["persons_created"] == 1
    assert batch.counts["persons_updated"] == 1
    assert batch.counts["persons_left"] == 1
    kinds = dict(
        ImportChange.objects.filter(batch=batch).values_list("kind", "label").order_by("kind")
    )
    assert set(kinds) == {"masuk", "keluar", "berubah"}
    updated = ImportChange.objects.get(batch=batch, kind="berubah")
    assert updated.changes["full_name"] == ["ANGGOTA1 WIJAYA", "ANGGOTA1 WIJAYA PUTRI"]
    assert updated.kelurahan_id == TEMBALANG_KEL
    left = Person.objects.get(nik=rows[3][1])
    ended = Membership.objects.get(person=left)
    assert ended.end_date == dt.date(2026, 4, 1)
    assert ended.end_reason == "pindah"
    tokens = set(
        PersonNameToken.objects.filter(person__nik=rows[1][1]).values_list("token", flat=True)
    )
    assert tokens == {"ANGGOTA1", "WIJAYA", "PUTRI"}


@pytest.mark.django_db
def test_crash_during_commit_leaves_the_registry_as_before(regions, imports_dir, monkeypatch):
    path = write(imports_dir / "kota.csv", family() + family(surname="KEDUA"))

    def crash(*args, **kwargs):
        raise RuntimeError("listrik padam")

    monkeypatch.setattr(writing, "_write_changes", crash)
    with pytest.raises(RuntimeError):
        run(path)
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert Membership.objects.count() == 0
    monkeypatch.undo()
    batch = run(path)
    assert batch.counts["persons_created"] == 6
    assert Person.objects.count() == 6


@pytest.mark.django_db
def test_dry_run_writes_nothing(regions, imports_dir):
    batch = run(write(imports_dir / "kota.csv", family()), dry_run=True)
    assert batch.status == ImportStatus.DRY_RUN
    assert batch.counts["persons_created"] == 3
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_synthetic_dtsen_pair_then_p3ke(regions, imports_dir):
    out = imports_dir / "city"
    call_command("synth", households=150, seed=11, out=out)
    pair = [out / "dtsen_keluarga.csv", out / "dtsen_anggota.csv"]
    first = run(pair)
    assert first.source == "dtsen"
    with (out / "dtsen_anggota.csv").open() as file:
        members = sum(1 for _ in file) - 1
    assert first.counts["persons_created"] + first.counts["rejected"] >= members - 50
    assert first.counts["persons_created"] == Person.objects.count()
    welfare = WelfareRecord.objects.count()
    assert welfare > 0
    assert WelfareRecord.objects.exclude(assets={}).exists()
    again = run(pair)
    assert again.counts["persons_created"] == again.counts["persons_updated"] == 0
    assert WelfareRecord.objects.count() == welfare  # assets and welfare unchanged
    p3ke = run([out / "p3ke_individu.csv"])
    assert p3ke.source == "p3ke"
    assert p3ke.counts["rows"] > 0
    p3ke_again = run([out / "p3ke_individu.csv"])
    assert p3ke_again.counts["persons_created"] == 0
    assert p3ke_again.counts["persons_updated"] == 0
    assert p3ke_again.counts["households_created"] == 0


@pytest.mark.django_db
def test_pipe_delimited_windows_1252_file(regions, imports_dir):
    rows = family(surname="MUÑOZ")
    path = write(imports_dir / "dtks.csv", rows, delimiter="|", encoding="cp1252")
    batch = run(path)
    assert batch.counts["persons_created"] == 3
    assert Person.objects.filter(full_name="ANGGOTA0 MUÑOZ").exists()


def test_column_wise_name_tokens_match_the_registry():
    import polars as pl

    names = ["Siti Aminah", "Śiti  Āminah-Putri", "H. M. Ridwan, S.Pd.", "O'Neil 2"]
    frame = pl.DataFrame({"id": list(range(len(names))), "full_name": names})
    tokens = writing.name_tokens(frame)
    for number, name in enumerate(names):
        got = tokens.filter(pl.col("person") == number)["token"].to_list()
        assert got == name_tokens(name)


def entas(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(Path(sys.executable).parent / "entas"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def cli_env(tmp_path):
    import os

    database = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    assert entas("migrate", "--no-input", "-v", "0", env=env).returncode == 0
    return env


@pytest.mark.django_db
def test_cli_json_line_exit_codes_and_report(tmp_path, cli_env):
    rows = family()
    rows[1][4] = "?"  # one bad member
    path = write(tmp_path / "kota.csv", rows)
    # no regions loaded: every kelurahan is unknown, the file is still processed
    result = entas("import", str(path), "--report", str(tmp_path / "r.csv"), env=cli_env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows"] == 3
    assert summary["rejected"] == 3
    assert set(summary) >= {"accepted", "households_created", "unchanged", "out_of_area"}
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as file:
        report = list(csv.reader(file))
    assert len(report) > 1
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    failed = entas("import", str(empty), env=cli_env)
    assert failed.returncode == 2
    assert "kosong" in failed.stderr.lower()
    binary = tmp_path / "foto.csv"
    binary.write_bytes(bytes(range(256)) * 100)
    assert entas("import", str(binary), env=cli_env).returncode == 2


@pytest.mark.django_db
def test_dtks_export_with_region_names_only(regions, imports_dir):
    from entas.wilayah.models import Region

    kelurahan = Region.objects.get(code=TEMBALANG_KEL)
    header = [
        "IDDTKS",
        "PROVINSI",
        "KABUPATEN_KOTA",
        "KECAMATAN",
        "DESA_KELURAHAN",
        "ALAMAT",
        "DUSUN",
        "RT",
        "RW",
        "NOMOR_KK",
        "NOMOR_NIK",
        "NAMA",
        "TANGGAL_LAHIR",
        "TEMPAT_LAHIR",
        "JENIS_KELAMIN",
        "NAMA_IBU_KANDUNG",
        "HUBUNGAN_KELUARGA",
    ]
    rows = []
    for number, row in enumerate(family()):
        relationship = {"kepala": "KEPALA KELUARGA", "pasangan": "ISTRI", "anak": "ANAK"}
        rows.append(
            [f"DTKS{number}", "JAWA TENGAH", "KOTA SEMARANG", kelurahan.parent.name.upper()]
            + [kelurahan.name.upper(), row[6], "", row[7], row[8], row[0], row[1], row[2]]
            + [row[5], "SEMARANG", "LAKI-LAKI" if row[4] == "L" else "PEREMPUAN", "SUMIYATI"]
            + [relationship[row[3]]]
        )
    path = write(imports_dir / "dtks.txt", rows, header=header, delimiter="|")
    batch = run(path)
    assert batch.source == "dtks"
    assert batch.counts["persons_created"] == 3
    head = Person.objects.get(nik=rows[0][10])
    assert head.mother_name == "SUMIYATI"
    assert head.memberships.get().household.kelurahan_id == TEMBALANG_KEL


@pytest.mark.django_db
def test_p3ke_fills_identity_but_does_not_overwrite_it(regions, imports_dir):
    rows = family()
    rows[0][2] = "SITI AMINAH"
    run(write(imports_dir / "kota.csv", rows))
    header = ["id_keluarga_p3ke", "nik", "nama", "hubungan_dengan_kepala_keluarga"]
    header += ["jenis_kelamin", "tanggal_lahir", "kode_kemdagri", "pekerjaan"]
    p3ke = [
        ["P3KE1", row[1], name, relationship, sex, row[5], "3374101001", "BURUH"]
        for row, name, relationship, sex in zip(
            rows,
            ["Sitti Aminah binti Karto", "anggota1 wijaya", "ANGGOTA2 WIJAYA"],
            ["Kepala Keluarga", "Istri", "Anak"],
            ["Laki-laki", "Perempuan", "Laki-laki"],
            strict=True,
        )
    ]
    batch = run(write(imports_dir / "p3ke.csv", p3ke, header=header), as_of=dt.date(2027, 1, 1))
    assert batch.source == "p3ke"
    head = Person.objects.get(nik=rows[0][1])
    assert head.full_name == "SITI AMINAH"  # P3KE's spelling does not replace it
    assert head.occupation == "BURUH"  # a blank is filled
    assert batch.counts["persons_updated"] == 3
    assert batch.counts["households_created"] == 0
    change = ImportChange.objects.filter(batch=batch, kind="berubah").first()
    assert set(change.changes) == {"occupation"}


@pytest.mark.django_db
def test_welfare_for_known_and_new_families_in_one_import(regions, imports_dir):
    known = family()
    run(write(imports_dir / "kota.csv", known))
    header = ["id_keluarga_p3ke", "nik", "nama", "hubungan_dengan_kepala_keluarga"]
    header += ["jenis_kelamin", "tanggal_lahir", "kode_kemdagri", "desil_kesejahteraan"]
    rows = []
    for key, members in (("P3KE-A", known), ("P3KE-B", family(surname="BARU"))):
        for row in members:
            rows.append([key, row[1], row[2], row[3], row[4], row[5], "3374101001", "1"])
    batch = run(write(imports_dir / "p3ke.csv", rows, header=header), as_of=dt.date(2027, 2, 1))
    assert batch.counts["households_created"] == 1
    assert WelfareRecord.objects.filter(source="p3ke", desil=1).count() == 2
    for household in Household.objects.all():
        assert household.current_welfare.as_of in (dt.date(2027, 2, 1),)


def test_excel_damage_message_names_the_column_and_what_happens():
    from entas.imports import cleaning, schema

    nik = cleaning.message("excel", schema.FIELDS_BY_NAME["nik"])
    kk = cleaning.message("excel", schema.FIELDS_BY_NAME["kk_number"])
    assert nik.startswith("NIK rusak oleh Excel")
    assert nik.endswith("Individu disimpan tanpa NIK.")
    assert kk.startswith("No. KK rusak oleh Excel")
    assert "tanpa NIK" not in kk


@pytest.mark.django_db
def test_a_known_person_in_a_family_new_to_the_registry_is_recorded_there(regions, imports_dir):
    known = family()
    son_nik, known[2][1] = known[2][1], ""  # the registry knows him without a NIK
    run(write(imports_dir / "kota.csv", known))
    header = ["id_keluarga_p3ke", "nik", "nama", "hubungan_dengan_kepala_keluarga"]
    header += ["jenis_kelamin", "tanggal_lahir", "kode_kemdagri", "pekerjaan"]
    son = known[2]  # found by name and birth date, heading a family the registry has not seen
    wife = family(surname="BARU", size=2)[1]
    rows = [
        ["P3KE-NEW", son_nik, son[2], "Kepala Keluarga", "Laki-laki", son[5], "3374101001", "OJOL"],
        ["P3KE-NEW", wife[1], wife[2], "Istri", "Perempuan", wife[5], "3374101001", ""],
    ]
    batch = run(write(imports_dir / "p3ke.csv", rows, header=header), as_of=dt.date(2027, 3, 1))
    assert batch.status == ImportStatus.COMMITTED
    assert batch.counts["households_created"] == 1
    person = Person.objects.get(nik=son_nik)
    assert person.occupation == "OJOL"
    home = Membership.objects.filter(person=person).order_by("-start_date", "-pk").first()
    change = ImportChange.objects.get(batch=batch, kind="berubah", person_id=person.pk)
    assert change.household_id == home.household_id
    assert change.changes["nik"][1] == son_nik
