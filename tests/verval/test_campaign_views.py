"""Campaign pages over HTTP: who may open what, and each form's answers to good and bad
input (errors in Indonesian, what was typed kept, nothing half-written)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.factories import head_of, make_household
from tests.targeting import builders as tb

from entas.core.models import AuditEvent
from entas.targeting import services as targeting
from entas.verval import choices as c
from entas.verval.models import Assignment, Campaign
from entas.verval.services import campaigns

from .builders import DEADLINE, KELURAHAN, STARTS, campaign, kelurahan_officer, submitted

TUGU_KELURAHAN = "33.74.16.1001"
PAGES = [
    "campaign_list",
    "campaign_create",
    "campaign_detail",
    "campaign_households",
    "campaign_upload",
    "campaign_assign",
    "campaign_reassign",
    "campaign_status",
]
READ_PAGES = {"campaign_list", "campaign_detail"}


def url(name: str, made: Campaign | None = None) -> str:
    if name in {"campaign_list", "campaign_create"}:
        return reverse(f"verval:{name}")
    assert made is not None
    return reverse(f"verval:{name}", args=[made.pk])


@pytest.fixture
def running(admin_dinsos):
    """An active campaign: two Meteseh families with PSM Budi, one Tugu family unassigned."""
    psm = kelurahan_officer("psm_budi")
    psm.full_name = "Budi Santoso"
    psm.save(update_fields=["full_name"])
    families = [make_household(surname="Wibowo"), make_household(surname="Lestari")]
    tugu = make_household(kelurahan_code=TUGU_KELURAHAN, surname="Tugu")
    made = campaign(admin_dinsos, households=[*families, tugu])
    campaigns.campaign_assign_balanced(
        actor=admin_dinsos, campaign=made, kelurahan_codes=[KELURAHAN], officers=[psm]
    )
    return made


# --- access ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("user", "readable"),
    [
        ("admin_dinsos", "all"),
        ("leader", "read"),
        ("officer_tembalang", "read"),
        ("officer_tugu", "read"),
        ("opd_dinkes", "none"),
        ("partner_csr", "none"),
        ("auditor", "none"),
    ],
)
def test_access_matrix(cast, client_for, running, page, user, readable):
    response = client_for(cast[user]).get(url(page, running))

    allowed = readable == "all" or (readable == "read" and page in READ_PAGES)
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, running):
    response = client.get(url("campaign_detail", running))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "masuk" in response["Location"]


@pytest.mark.django_db
def test_unknown_campaign_is_404(client_for, admin_dinsos):
    assert (
        client_for(admin_dinsos).get(reverse("verval:campaign_detail", args=[999])).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_draft_is_404_for_field_officers_and_missing_from_their_list(
    client_for, admin_dinsos, officer_tembalang
):
    made = campaign(admin_dinsos, households=[make_household()], status=c.CampaignStatus.DRAFT)
    client = client_for(officer_tembalang)

    assert client.get(url("campaign_detail", made)).status_code == 404
    assert made.name not in client.get(url("campaign_list")).content.decode()


@pytest.mark.django_db
def test_leader_reads_counts_without_any_name(client_for, leader, running):
    page = client_for(leader).get(url("campaign_detail", running)).content.decode()

    assert "Meteseh" in page
    assert "Budi Santoso" not in page
    assert "Wibowo" not in page
    assert reverse("verval:campaign_assign", args=[running.pk]) not in page


@pytest.mark.django_db
def test_field_officer_counts_only_their_areas(
    client_for, officer_tugu, officer_tembalang, running
):
    tugu = client_for(officer_tugu).get(url("campaign_detail", running)).content.decode()
    tembalang = client_for(officer_tembalang).get(url("campaign_detail", running)).content.decode()

    assert "Jerakah" in tugu
    assert "Meteseh" not in tugu
    assert "Meteseh" in tembalang
    assert "Budi Santoso (2)" in tembalang
    assert "Jerakah" not in tembalang


@pytest.mark.django_db
def test_detail_shows_each_kelurahan_and_who_has_no_officer(client_for, admin_dinsos, running):
    page = client_for(admin_dinsos).get(url("campaign_detail", running)).content.decode()

    assert "Budi Santoso (2)" in page
    assert 'id="unassigned-kelurahan"' in page
    assert "Jerakah, Tugu: 1" in page


@pytest.mark.django_db
def test_households_page_names_families_and_is_audited(client_for, admin_dinsos, running):
    response = client_for(admin_dinsos).get(
        url("campaign_households", running), {"kelurahan": KELURAHAN}
    )

    page = response.content.decode()
    assert "Slamet Riyadi Wibowo" in page
    assert "Slamet Riyadi Tugu" not in page
    event = AuditEvent.objects.get(action="verval.campaign_households_view")
    assert event.changes == {"kelurahan": KELURAHAN, "count": 2}


@pytest.mark.django_db
def test_removing_a_household_of_another_campaign_is_404(client_for, admin_dinsos, running):
    other = campaign(admin_dinsos, households=[make_household()])
    row = other.assignments.get()

    response = client_for(admin_dinsos).post(
        reverse("verval:campaign_remove", args=[running.pk, row.pk]), {"reason": "salah"}
    )

    assert response.status_code == 404
    assert other.assignments.count() == 1


# --- create ---------------------------------------------------------------------------------


@pytest.fixture
def june(admin_dinsos):
    """A classified June period with one extreme-poor family."""
    family = tb.household(expenditure=300_000)
    period = tb.june(admin_dinsos)
    targeting.period_classify(actor=admin_dinsos, period=period)
    return period, family


def form_data(**values):
    data = {
        "name": "Verval Juni 2025",
        "period": "",
        "starts_on": "2025-07-01",
        "deadline": "2025-07-31",
        "scope": "periode",
        "note": "",
    }
    data.update(values)
    return data


@pytest.mark.django_db
def test_create_from_a_period_adds_its_families(client_for, admin_dinsos, june):
    period, family = june

    response = client_for(admin_dinsos).post(
        url("campaign_create"), form_data(period=period.pk), follow=True
    )

    made = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == url("campaign_detail", made)
    assert made.period == period
    assert made.status == c.CampaignStatus.DRAFT
    assert list(made.assignments.values_list("household_id", "reason")) == [
        (family.pk, c.ScopeReason.EXTREME)
    ]
    assert "1 keluarga ditambahkan" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": ""}, "Isi nama kampanye."),
        ({"deadline": "2025-06-01"}, "Batas waktu tidak boleh sebelum tanggal mulai."),
        ({"deadline": "31/13/2025"}, "Batas waktu tidak valid"),
        ({"period": ""}, "Pilih periode yang keluarganya akan dikunjungi."),
    ],
)
def test_create_refusals_keep_what_was_typed(client_for, admin_dinsos, june, values, message):
    period, _family = june
    data = form_data(period=period.pk, note="catatan panjang") | values

    response = client_for(admin_dinsos).post(url("campaign_create"), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "catatan panjang" in page
    if data["name"]:
        assert 'value="Verval Juni 2025"' in page
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_create_from_an_unclassified_period_says_so_and_writes_nothing(client_for, admin_dinsos):
    period = tb.period("2025-08", dt.date(2025, 8, 1), dt.date(2025, 8, 31))

    response = client_for(admin_dinsos).post(url("campaign_create"), form_data(period=period.pk))

    assert response.status_code == 400
    assert "sudah diklasifikasi" in response.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.django_db
def test_create_for_an_upload_goes_to_the_upload_page(client_for, admin_dinsos):
    response = client_for(admin_dinsos).post(url("campaign_create"), form_data(scope="unggahan"))

    made = Campaign.objects.get()
    assert response["Location"] == url("campaign_upload", made)
    assert not made.assignments.exists()


# --- adding households ----------------------------------------------------------------------


@pytest.mark.django_db
def test_scope_button_adds_only_new_families(client_for, admin_dinsos, june):
    period, family = june
    made, _counts = campaigns.campaign_create_with_scope(
        actor=admin_dinsos, name="Juni", starts_on=STARTS, deadline=DEADLINE, period=period
    )

    response = client_for(admin_dinsos).post(url("campaign_scope", made), follow=True)

    assert "0 keluarga ditambahkan" in response.content.decode()
    assert made.assignments.count() == 1


@pytest.mark.django_db
def test_upload_adds_matched_rows_and_reports_the_rest(client_for, admin_dinsos):
    made = campaigns.campaign_create(
        actor=admin_dinsos, name="Tambahan", starts_on=STARTS, deadline=DEADLINE
    )
    found = make_household()
    nik = head_of(make_household()).nik
    content = f"No_KK;nik\n{found.kk_number};\n;{nik}\n3374999999999999;\n".encode()
    client = client_for(admin_dinsos)

    response = client.post(
        url("campaign_upload", made), {"file": SimpleUploadedFile("daftar.csv", content)}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "2 keluarga ditambahkan" in page
    assert "Tidak ditemukan" in page
    assert set(made.assignments.values_list("reason", flat=True)) == {c.ScopeReason.UPLOADED}
    assert made.assignments.count() == 2
    report = client.get(url("campaign_upload_report", made))
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Baris,Kolom,Isian,Hasil,ID keluarga,Keterangan"
    assert lines[3] == "4,No. KK,3374999999999999,Tidak ditemukan,,"


@pytest.mark.django_db
def test_upload_of_an_unreadable_file_adds_nothing_and_says_why(client_for, admin_dinsos):
    made = campaigns.campaign_create(
        actor=admin_dinsos, name="Tambahan", starts_on=STARTS, deadline=DEADLINE
    )
    content = b"nama,alamat\nSlamet,Jl. Mawar\n"

    response = client_for(admin_dinsos).post(
        url("campaign_upload", made), {"file": SimpleUploadedFile("daftar.csv", content)}
    )

    assert response.status_code == 400
    assert "tidak memiliki kolom nik, no_kk atau id_keluarga" in response.content.decode()
    assert not made.assignments.exists()


@pytest.mark.django_db
def test_upload_without_a_file_asks_for_one(client_for, admin_dinsos):
    made = campaigns.campaign_create(
        actor=admin_dinsos, name="Tambahan", starts_on=STARTS, deadline=DEADLINE
    )
    response = client_for(admin_dinsos).post(url("campaign_upload", made), {})
    assert response.status_code == 400
    assert "Pilih berkas yang akan diunggah." in response.content.decode()


# --- officers ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_assign_reports_kelurahan_left_without_officer(client_for, admin_dinsos, running):
    response = client_for(admin_dinsos).post(
        url("campaign_assign", running), {"area": "semua", "officer_choice": "wilayah"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 keluarga belum mendapat petugas" in page
    assert "Jerakah, Tugu: 1" in page


@pytest.mark.django_db
def test_assign_to_chosen_officers_needs_one(client_for, admin_dinsos, running):
    response = client_for(admin_dinsos).post(
        url("campaign_assign", running),
        {"area": "kelurahan", "kelurahan": [TUGU_KELURAHAN], "officer_choice": "pilih"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Pilih sedikitnya satu petugas." in page
    assert f'value="{TUGU_KELURAHAN}" checked' in page.replace(' id="id_kelurahan_1"', "")
    assert running.assignments.filter(officer=None).count() == 1


@pytest.mark.django_db
def test_assign_to_a_chosen_officer(client_for, admin_dinsos, officer_tugu, running):
    client_for(admin_dinsos).post(
        url("campaign_assign", running),
        {
            "area": "kecamatan",
            "kecamatan": "33.74.16",
            "officer_choice": "pilih",
            "officers": [officer_tugu.pk],
        },
    )

    assert running.assignments.get(kelurahan_id=TUGU_KELURAHAN).officer == officer_tugu


@pytest.mark.django_db
def test_reassign_needs_a_reason_and_keeps_the_choice(client_for, admin_dinsos, running):
    budi = Assignment.objects.filter(campaign=running).exclude(officer=None).first().officer
    other = kelurahan_officer("psm_sari")

    response = client_for(admin_dinsos).post(
        url("campaign_reassign", running),
        {"from_officer": budi.pk, "to_officer": other.pk, "reason": ""},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Tuliskan alasan pemindahan tugas." in page
    assert f'<option value="{other.pk}" selected>' in page
    assert not running.assignments.filter(officer=other).exists()


@pytest.mark.django_db
def test_reassign_moves_open_households_and_says_sent_visits_stay(
    client_for, admin_dinsos, running
):
    rows = list(running.assignments.exclude(officer=None).order_by("pk"))
    budi = rows[0].officer
    submitted(budi, rows[0])
    other = kelurahan_officer("psm_sari")

    response = client_for(admin_dinsos).post(
        url("campaign_reassign", running),
        {"from_officer": budi.pk, "kelurahan": KELURAHAN, "to_officer": other.pk, "reason": "cuti"},
        follow=True,
    )

    page = response.content.decode()
    assert "1 keluarga dipindahkan" in page
    assert "1 keluarga yang kunjungannya sudah dikirim atau disetujui tetap" in page
    assert list(running.assignments.filter(officer=other)) == [rows[1]]


@pytest.mark.django_db
def test_reassign_ticked_households(client_for, admin_dinsos, running):
    rows = list(running.assignments.exclude(officer=None).order_by("pk"))
    other = kelurahan_officer("psm_sari")

    client_for(admin_dinsos).post(
        url("campaign_reassign", running),
        {"assignments": [rows[1].pk], "to_officer": other.pk, "reason": "lebih dekat"},
    )

    assert list(running.assignments.filter(officer=other)) == [rows[1]]


@pytest.mark.django_db
def test_remove_needs_a_reason_then_removes(client_for, admin_dinsos, running):
    row = running.assignments.exclude(officer=None).first()
    client = client_for(admin_dinsos)
    removing = reverse("verval:campaign_remove", args=[running.pk, row.pk])

    refused = client.post(removing, {"reason": ""}, follow=True)
    assert "Tuliskan alasan mengeluarkan keluarga ini." in refused.content.decode()
    assert running.assignments.filter(pk=row.pk).exists()

    client.post(removing, {"reason": "sudah pindah"})
    assert not running.assignments.filter(pk=row.pk).exists()


# --- status ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_closing_warns_with_the_open_count_then_closes(client_for, admin_dinsos, running):
    client = client_for(admin_dinsos)

    confirm = client.get(url("campaign_status", running)).content.decode()
    assert "3 keluarga belum dikunjungi" in confirm

    client.post(url("campaign_status", running))
    running.refresh_from_db()
    assert running.status == c.CampaignStatus.CLOSED
    after = client.get(url("campaign_status", running), follow=True).content.decode()
    assert "sudah selesai" in after


@pytest.mark.django_db
def test_starting_an_empty_campaign_is_refused(client_for, admin_dinsos):
    made = campaigns.campaign_create(
        actor=admin_dinsos, name="Kosong", starts_on=STARTS, deadline=DEADLINE
    )
    client = client_for(admin_dinsos)

    assert "belum berisi keluarga" in client.get(url("campaign_status", made)).content.decode()
    response = client.post(url("campaign_status", made), follow=True)

    assert "Tambahkan keluarga ke kampanye sebelum memulainya." in response.content.decode()
    made.refresh_from_db()
    assert made.status == c.CampaignStatus.DRAFT
