"""Loading the national region tree and the shipped boundaries: complete, idempotent, audited."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings

from entas.core.models import AuditEvent
from entas.wilayah.models import Boundary, Region
from entas.wilayah.services import WilayahError, boundaries_load, regions_load

ATTRIBUTION = "Batas wilayah: cahyadsn/wilayah_boundaries (MIT)"

pytestmark = pytest.mark.django_db


def level_counts() -> dict[int, int]:
    return dict(Region.objects.values_list("level").annotate(count=Count("code")))


def last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).first()
    assert event is not None
    return event


@pytest.mark.usefixtures("empty_regions")
def test_regions_load_fills_the_tree_once() -> None:
    # given an empty region table
    # when the national list is loaded twice
    first = regions_load()
    first_event = last_event("regions.load")
    second = regions_load()
    second_event = last_event("regions.load")

    # then the first run creates every region, the second changes nothing, both are audited
    assert (first, second) == (91_599, 0)
    assert level_counts() == {1: 38, 2: 514, 3: 7_285, 4: 83_762}
    assert first_event.changes == {"created": 91_599, "updated": 0}
    assert first_event.summary == "Daftar wilayah dimuat: 91599 baru, 0 diperbarui."
    assert (first_event.actor, second_event.changes) == (None, {"created": 0, "updated": 0})


@pytest.mark.usefixtures("empty_regions")
def test_regions_load_builds_kota_semarang() -> None:
    # given an empty region table
    # when the national list is loaded
    regions_load()

    # then Kota Semarang has its 16 kecamatan and 177 kelurahan, linked to their parents
    semarang = Region.objects.get(code="33.74")
    kecamatan = Region.objects.filter(parent=semarang)
    kelurahan = Region.objects.filter(parent__parent=semarang)
    assert (semarang.name, semarang.kind, semarang.parent_id) == ("Kota Semarang", "kota", "33")
    assert (kecamatan.count(), kelurahan.count()) == (16, 177)
    assert set(kelurahan.values_list("kind", flat=True)) == {"kelurahan"}
    assert Region.objects.get(code="33.74.10").name == "Tembalang"


@pytest.mark.usefixtures("regions")
def test_regions_load_applies_renames_and_strips_names(tmp_path: Path) -> None:
    # given a loaded tree and a list where one kecamatan has a new name (with a stray space)
    renamed = tmp_path / "wilayah.csv"
    renamed.write_text(
        "kode,nama,level,jenis,parent\n"
        "33,Jawa Tengah,1,provinsi,\n"
        "33.74.10,Tembalang Raya ,3,kecamatan,33.74\n",
        encoding="utf-8",
    )

    # when that list is loaded
    count = regions_load(path=renamed)

    # then only the renamed region is updated
    assert count == 1
    assert Region.objects.get(code="33.74.10").name == "Tembalang Raya"
    assert last_event("regions.load").changes == {"created": 0, "updated": 1}
    assert Region.objects.count() == 91_599


@pytest.mark.usefixtures("regions")
def test_boundaries_load_semarang_once_with_attribution() -> None:
    # given the region tree and no boundaries
    # when the Semarang boundaries are loaded twice
    first = boundaries_load(region_code="33.74")
    second = boundaries_load(region_code="33.74")

    # then 16 kecamatan and 177 kelurahan outlines exist, each with its attribution
    assert (first, second) == (193, 0)
    assert Boundary.objects.filter(region__level=3).count() == 16
    assert Boundary.objects.filter(region__level=4, region__parent__parent="33.74").count() == 177
    assert set(Boundary.objects.values_list("attribution", flat=True)) == {ATTRIBUTION}
    tembalang = Boundary.objects.get(region="33.74.10")
    assert tembalang.geometry["type"] in {"Polygon", "MultiPolygon"}
    assert -7.2 < tembalang.centroid_lat < -6.9
    assert 110.3 < tembalang.centroid_lng < 110.6
    assert last_event("boundaries.load").changes == {"region": "33.74", "created": 0, "updated": 0}


@pytest.mark.usefixtures("regions")
def test_boundaries_load_updates_a_changed_outline() -> None:
    # given the Semarang boundaries with one outline edited
    boundaries_load(region_code="33.74")
    Boundary.objects.filter(region="33.74.10").update(centroid_lat=0.0, attribution="x")

    # when they are loaded again
    count = boundaries_load(region_code="33.74")

    # then the edited outline is restored from the file
    assert count == 1
    assert Boundary.objects.get(region="33.74.10").attribution == ATTRIBUTION


@pytest.mark.usefixtures("regions")
def test_boundaries_load_without_shipped_files_does_nothing() -> None:
    # given a kabupaten with no boundary files shipped (Kab. Cilacap)
    events = AuditEvent.objects.count()

    # when its boundaries are loaded
    count = boundaries_load(region_code="33.01")

    # then nothing is written
    assert (count, Boundary.objects.count(), AuditEvent.objects.count()) == (0, 0, events)


@pytest.mark.usefixtures("empty_regions")
def test_boundaries_load_refuses_before_regions_are_loaded() -> None:
    # given no regions
    # when boundaries are loaded
    with pytest.raises(WilayahError) as raised:
        boundaries_load(region_code="33.74")

    # then it says what to do and writes nothing
    assert raised.value.message == (
        "Batas wilayah tidak dapat dimuat karena 193 wilayah (mis. 33.74.01) belum ada di "
        "daftar wilayah. Jalankan dulu: entas load_regions."
    )
    assert Boundary.objects.count() == 0


@pytest.mark.usefixtures("regions")
def test_load_commands_report_in_indonesian() -> None:
    # given a loaded tree and the Semarang deployment
    output = StringIO()

    # when the load commands run, then for a kabupaten without shipped boundaries
    call_command("load_regions", stdout=output)
    call_command("load_boundaries", stdout=output)
    call_command("load_boundaries", stdout=output)
    with override_settings(ENTAS_REGION_CODE="33.01"):
        call_command("load_boundaries", stdout=output)

    # then each says what happened
    assert output.getvalue().splitlines() == [
        "Daftar wilayah sudah mutakhir; tidak ada yang berubah.",
        "193 batas wilayah untuk kode 33.74 ditambahkan atau diperbarui.",
        "Batas wilayah untuk kode 33.74 sudah mutakhir; tidak ada yang berubah.",
        "Batas wilayah untuk kode 33.01 tidak disertakan dalam entas; tidak ada yang dimuat "
        "dan peta tampil tanpa batas wilayah.",
    ]


@pytest.mark.usefixtures("empty_regions")
def test_load_regions_command_prints_count() -> None:
    # given an empty region table
    output = StringIO()

    # when the command runs
    call_command("load_regions", stdout=output)

    # then it says how many regions it wrote
    assert output.getvalue() == "91599 wilayah ditambahkan atau diperbarui.\n"
