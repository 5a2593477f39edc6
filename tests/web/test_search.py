"""Registry search through the HTTP view: what is found, what is refused and why."""

import datetime as dt

import pytest
from django.urls import reverse
from tests.factories import head_of, make_household, members_of

from entas.core.models import AuditEvent
from entas.registry.services import person_record_death

pytestmark = pytest.mark.django_db
SEARCH = reverse("registry:search")


def found_names(response) -> list[str]:
    return [result.person.full_name for result in response.context["page"].results]


def search_errors(response) -> list[str]:
    return [error for errors in response.context["form"].errors.values() for error in errors]


def test_nik_finds_exactly_that_person(admin_dinsos, client_for, tembalang_household):
    head = head_of(tembalang_household)

    response = client_for(admin_dinsos).get(SEARCH, {"q": head.nik})

    assert found_names(response) == ["Slamet Riyadi"]


def test_nik_typed_with_dots_and_spaces_is_understood(
    admin_dinsos, client_for, tembalang_household
):
    nik = head_of(tembalang_household).nik
    typed = f"{nik[:2]}.{nik[2:6]} {nik[6:12]}-{nik[12:]}"

    response = client_for(admin_dinsos).get(SEARCH, {"q": typed})

    assert found_names(response) == ["Slamet Riyadi"]


def test_kk_finds_every_member_of_the_family(admin_dinsos, client_for, tembalang_household):
    make_household(members=2, surname="Lain")

    response = client_for(admin_dinsos).get(SEARCH, {"q": tembalang_household.kk_number})

    assert found_names(response) == ["Dwi Lestari", "Siti Aminah", "Slamet Riyadi"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("slamet", ["Slamet Riyadi"]),
        ("SLA riy", ["Slamet Riyadi"]),
        ("riy sla", ["Slamet Riyadi"]),
        ("si", ["Siti Aminah"]),
        ("  siti   aminah ", ["Siti Aminah"]),
        ("siti slamet", []),
        ("lestari", ["Dwi Lestari"]),
        ("aminah", ["Siti Aminah"]),
        ("mina", []),
    ],
)
def test_name_matches_word_prefixes_all_words(
    query, names, admin_dinsos, client_for, tembalang_household
):
    response = client_for(admin_dinsos).get(SEARCH, {"q": query})

    assert found_names(response) == names


def test_accents_and_case_do_not_matter(admin_dinsos, client_for, regions):
    make_household(members=1, surname="Ngatémi")

    response = client_for(admin_dinsos).get(SEARCH, {"q": "ngatemi"})

    assert found_names(response) == ["Slamet Riyadi Ngatémi"]


def test_kelurahan_filter_keeps_only_that_kelurahan(admin_dinsos, client_for, tembalang_household):
    make_household(kelurahan_code="33.74.10.1002", members=1)

    response = client_for(admin_dinsos).get(SEARCH, {"q": "slamet", "kelurahan": "33.74.10.1002"})

    results = response.context["page"].results
    assert [result.membership.household.kelurahan_id for result in results] == ["33.74.10.1002"]


def test_kelurahan_alone_lists_its_persons(admin_dinsos, client_for, tembalang_household):
    make_household(kelurahan_code="33.74.10.1002", members=2)

    response = client_for(admin_dinsos).get(SEARCH, {"kelurahan": "33.74.10.1001"})

    assert found_names(response) == ["Dwi Lestari", "Siti Aminah", "Slamet Riyadi"]


def test_status_filter(admin_dinsos, client_for, tembalang_household):
    child = members_of(tembalang_household)[2]
    person_record_death(actor=admin_dinsos, person=child, death_date=dt.date(2025, 2, 1))
    client = client_for(admin_dinsos)

    deceased = client.get(SEARCH, {"kelurahan": "33.74.10.1001", "status": "meninggal"})
    active = client.get(SEARCH, {"kelurahan": "33.74.10.1001", "status": "aktif"})

    assert found_names(deceased) == ["Dwi Lestari"]
    assert found_names(active) == ["Siti Aminah", "Slamet Riyadi"]
    assert "Meninggal" in deceased.text


@pytest.mark.parametrize("typed", ["1972-08-02", "02-08-1972", "02/08/1972"])
def test_birth_date_filter(typed, admin_dinsos, client_for, tembalang_household):
    response = client_for(admin_dinsos).get(SEARCH, {"kelurahan": "33.74.10.1001", "lahir": typed})

    assert found_names(response) == ["Siti Aminah"]


def test_pagination_twenty_a_page(admin_dinsos, client_for, regions):
    for _ in range(7):
        make_household(kelurahan_code="33.74.10.1003", members=3)
    client = client_for(admin_dinsos)

    first = client.get(SEARCH, {"kelurahan": "33.74.10.1003"})
    second = client.get(SEARCH, {"kelurahan": "33.74.10.1003", "page": 2})

    assert (len(first.context["page"].results), first.context["page"].has_next) == (20, True)
    assert (len(second.context["page"].results), second.context["page"].has_next) == (1, False)
    assert first.context["page"].total == 21
    assert "Menampilkan 1–20." in first.text
    assert 'href="/registri/?kelurahan=33.74.10.1003&amp;page=2"' in first.text
    assert "Menampilkan 21–21." in second.text
    first_ids = {result.person.pk for result in first.context["page"].results}
    assert first_ids.isdisjoint(result.person.pk for result in second.context["page"].results)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "3374"}, "NIK atau No. KK harus 16 angka; yang diketik 4 angka."),
        ({"q": "33741014036800021"}, "NIK atau No. KK harus 16 angka; yang diketik 17 angka."),
        (
            {"q": "9974101403680002"},
            "Dua angka pertama NIK bukan kode provinsi yang dikenal.",
        ),
        (
            {"q": "3374109903680002"},
            "Tanggal lahir pada NIK (angka ke-7 dan ke-8) harus 01–31 untuk laki-laki "
            "atau 41–71 untuk perempuan.",
        ),
        ({"q": "x"}, "Ketik sedikitnya 2 huruf nama."),
        (
            {"q": "siti", "lahir": "31-02-1980"},
            "Tanggal lahir tidak valid; tulis seperti 31-12-1980.",
        ),
        ({"q": "siti", "lahir": "kemarin"}, "Tanggal lahir tidak valid; tulis seperti 31-12-1980."),
        (
            {"kelurahan": "99.99.99.9999"},
            "Kode kelurahan 99.99.99.9999 tidak dikenal atau di luar wilayah tugas Anda.",
        ),
        ({"q": "siti", "status": "hilang"}, "Status hilang tidak dikenal."),
        ({"q": "siti", "page": "dua"}, "Nomor halaman harus berupa angka."),
        ({"q": "siti", "page": "0"}, "Nomor halaman paling kecil 1."),
        (
            {"status": "aktif"},
            "Isi NIK, No. KK atau nama, atau pilih kelurahan, lalu saring dengan status "
            "atau tanggal lahir.",
        ),
    ],
)
def test_bad_input_gets_an_indonesian_reason(params, message, admin_dinsos, client_for, regions):
    response = client_for(admin_dinsos).get(SEARCH, params)

    assert response.status_code == 200
    assert search_errors(response) == [message]
    assert message in response.text
    assert response.context["page"] is None
    assert not AuditEvent.objects.filter(action="registry.search").exists()


def test_officer_cannot_filter_by_a_kelurahan_outside_their_area(officer_tugu, client_for, regions):
    response = client_for(officer_tugu).get(SEARCH, {"kelurahan": "33.74.10.1001"})

    assert search_errors(response) == [
        "Kode kelurahan 33.74.10.1001 tidak dikenal atau di luar wilayah tugas Anda."
    ]


def test_no_results_says_so(admin_dinsos, client_for, tembalang_household):
    response = client_for(admin_dinsos).get(SEARCH, {"q": "zulkarnaen"})

    assert found_names(response) == []
    assert "Tidak ada individu yang cocok di wilayah Anda." in response.text


def test_empty_form_asks_what_to_search_and_logs_nothing(admin_dinsos, client_for, regions):
    response = client_for(admin_dinsos).get(SEARCH)

    assert "Ketik NIK atau No. KK (16 angka) atau nama, atau pilih kelurahan." in response.text
    assert not AuditEvent.objects.filter(action="registry.search").exists()


def test_htmx_request_gets_only_the_results(admin_dinsos, client_for, tembalang_household):
    response = client_for(admin_dinsos).get(SEARCH, {"q": "slamet"}, headers={"HX-Request": "true"})

    assert "<html" not in response.text
    assert "Slamet Riyadi" in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(admin_dinsos, client_for, regions):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = client_for(admin_dinsos).get(SEARCH, {"q": "slamet"}, headers=headers)

    assert "<html" in response.text


def test_page_past_the_end_is_empty_but_keeps_the_total(admin_dinsos, client_for, regions):
    for _ in range(2):
        make_household(kelurahan_code="33.74.10.1003", members=3)

    response = client_for(admin_dinsos).get(SEARCH, {"kelurahan": "33.74.10.1003", "page": 3})

    page = response.context["page"]
    assert (page.results, page.total, page.has_next, page.has_previous) == ([], 6, False, True)
