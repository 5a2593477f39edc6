"""The officer's phone pages over HTTP: the list, the visit form, the JSON endpoint the
offline drafts are sent to, and the service worker."""

import datetime as dt
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from tests.factories import head_of, make_household, members_of

from entas.registry import choices as rc
from entas.registry.models import Household, Membership, WelfareRecord
from entas.registry.services import welfare_record
from entas.targeting.causes import cause_set
from entas.targeting.models import FamilyCause, FieldFinding
from entas.verval import choices as c
from entas.verval.models import Assignment, Need, Visit, VisitPhoto
from entas.verval.services import campaigns
from entas.verval.services.visits import visit_approve, visit_return

from .builders import KELURAHAN, assigned, campaign, kelurahan_officer, submitted

pytestmark = pytest.mark.django_db

LIST = reverse("verval:field_list")
SUBMIT = reverse("verval:field_submit")


def visit_url(assignment: Assignment) -> str:
    return reverse("verval:field_visit", args=[assignment.pk])


def post_data(assignment: Assignment, **fields) -> dict:
    data = {
        "assignment": str(assignment.pk),
        "client_id": str(uuid.uuid4()),
        "visited_at": "2025-01-20T09:30:00Z",
        "outcome": c.Outcome.ELIGIBLE,
        "consent": c.Consent.GIVEN,
        "respondent": "Siti Aminah",
    }
    data.update(fields)
    return data


def jpeg(size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile("rumah.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def psm(regions):
    return kelurahan_officer("psm_meteseh")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- the list ------------------------------------------------------------------------


def test_list_shows_only_own_open_assignments_of_running_campaigns(admin_dinsos, psm, client_for):
    mine, sent = assigned(admin_dinsos, psm, count=2)
    submitted(psm, sent)
    other_officer = kelurahan_officer("psm_lain")
    (theirs,) = assigned(admin_dinsos, other_officer)
    draft_campaign = campaign(
        admin_dinsos, households=[make_household(kelurahan_code=KELURAHAN)], status="draf"
    )
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=draft_campaign, officers=[psm])

    response = client_for(psm).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    open_ids = re.findall(r'data-visit-url="/verval/lapangan/(\d+)/"', page)
    assert open_ids == [str(mine.pk)]
    assert f'data-assignment="{sent.pk}"' in page  # in the "terkirim" section
    assert f'data-assignment="{theirs.pk}"' not in page
    assert "Menunggu pemeriksaan" in page


def test_list_puts_returned_first_with_the_note_then_orders_by_place(
    admin_dinsos, officer_tembalang, psm, client_for
):
    far = make_household(kelurahan_code=KELURAHAN, rw="005", rt="001", address="Jl. Zebra 1")
    near = make_household(kelurahan_code=KELURAHAN, rw="001", rt="002", address="Jl. Anggrek 2")
    nearest = make_household(kelurahan_code=KELURAHAN, rw="001", rt="001", address="Jl. Mawar 3")
    made = campaign(admin_dinsos, households=[far, near, nearest])
    campaigns.campaign_assign_balanced(actor=admin_dinsos, campaign=made, officers=[psm])
    by_household = {a.household_id: a for a in Assignment.objects.filter(campaign=made)}
    returned = submitted(psm, by_household[far.pk])
    visit_return(actor=officer_tembalang, visit=returned, note="Foto rumah belum ada")

    page = client_for(psm).get(LIST).content.decode()

    order = re.findall(r'data-visit-url="/verval/lapangan/(\d+)/"', page)
    assert order == [str(by_household[h.pk].pk) for h in (far, nearest, near)]
    assert "Foto rumah belum ada" in page


def test_directions_link_only_for_households_with_coordinates(admin_dinsos, psm, client_for):
    with_gps, without = assigned(admin_dinsos, psm, count=2)
    Household.objects.filter(pk=with_gps.household_id).update(
        latitude="-7.054321", longitude="110.441234"
    )

    page = client_for(psm).get(LIST).content.decode()

    assert page.count("https://www.google.com/maps/dir/") == 1
    assert "destination=-7.054321,110.441234" in page
    assert 'data-lat="-7.054321" data-lng="110.441234"' in page


@pytest.mark.parametrize("who", ["leader", "opd_dinkes", "partner_csr", "auditor"])
def test_roles_that_do_not_visit_are_refused(who, cast, client_for):
    client = client_for(cast[who])
    assert client.get(LIST).status_code == 403
    assert client.post(SUBMIT, {"assignment": "1"}).status_code == 403


def test_signed_out_list_goes_to_login_and_submit_answers_401_json(client):
    assert client.get(LIST).status_code == 302
    response = client.post(SUBMIT, {"assignment": "1"})
    assert response.status_code == 401
    assert "Sesi Anda berakhir" in response.json()["error"]


# --- the form ----------------------------------------------------------------------------


def test_form_is_prefilled_from_the_registry(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm, members=3)
    household = assignment.household
    welfare_record(
        actor=None, household=household, as_of=dt.date(2025, 1, 10), source=rc.Source.DTSEN,
        values={"expenditure_per_capita": 321000, "floor_type": "tanah"},
    )  # fmt: skip
    cause_set(actor=admin_dinsos, household=household, cause="phk", present=True)

    response = client_for(psm).get(visit_url(assignment))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="expenditure_per_capita" value="321000"' in page
    assert re.search(r'<option value="tanah" selected>', page)
    assert re.search(r'value="phk"[^>]*checked', page)
    for person in members_of(household):
        assert f'name="member_{person.pk}"' in page
    assert 'name="client_id"' in page
    assert 'accept="image/*" capture="environment" multiple' in page


def test_another_officers_assignment_is_404(admin_dinsos, psm, client_for):
    (theirs,) = assigned(admin_dinsos, kelurahan_officer("psm_lain"))
    client = client_for(psm)

    assert client.get(visit_url(theirs)).status_code == 404
    response = client.post(SUBMIT, post_data(theirs))
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_html_form_post_creates_the_visit_and_redirects(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)
    response = client_for(psm).post(visit_url(assignment), post_data(assignment), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "terkirim" in response.content.decode()
    assert Visit.objects.filter(assignment=assignment).count() == 1


def test_html_form_error_keeps_what_was_typed(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)
    data = post_data(
        assignment, causes=["lainnya"], respondent="Bu Warsini", expenditure_per_capita="250000"
    )

    response = client_for(psm).post(visit_url(assignment), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Jelaskan penyebab “lainnya” di catatan." in page
    assert 'value="Bu Warsini"' in page
    assert 'name="expenditure_per_capita" value="250000"' in page
    assert re.search(r'value="lainnya"[^>]*checked', page)
    assert Visit.objects.count() == 0


def test_the_form_offers_more_rows_of_a_need_behind_a_details(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)

    page = client_for(psm).get(visit_url(assignment)).content.decode()

    more = re.search(r'<details class="need-more">(.*?)</details>', page, re.S)
    assert more is not None
    assert "Tambah untuk anggota lain" in more.group(1)
    for name in ("need_alat_bantu_2", "need_alat_bantu_3_detail", "need_alat_bantu_3_person"):
        assert f'name="{name}"' in more.group(1)
    assert (
        '<label for="id_need_alat_bantu_2_person">Untuk anggota — Alat bantu disabilitas (2)<'
        in page
    )


def test_html_form_with_the_same_need_twice_shows_the_error_and_keeps_the_rows(
    admin_dinsos, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm)
    head = head_of(assignment.household)
    data = post_data(
        assignment,
        need_alat_bantu="on",
        need_alat_bantu_detail="kursi_roda",
        need_alat_bantu_person=str(head.pk),
        need_alat_bantu_2="on",
        need_alat_bantu_2_detail="kursi_roda",
        need_alat_bantu_2_person=str(head.pk),
        need_alat_bantu_2_note="rusak",
    )

    response = client_for(psm).post(visit_url(assignment), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="needs">Kebutuhan yang sama tercatat dua kali.</p>' in page
    assert '<details id="section-needs" open>' in page
    assert '<details class="need-more" open>' in page
    assert re.search(r'name="need_alat_bantu_2" id="id_need_alat_bantu_2" checked', page)
    assert re.search(
        r'id="id_need_alat_bantu_2_detail">.*?<option value="kursi_roda" selected', page, re.S
    )
    assert 'name="need_alat_bantu_2_note" value="rusak"' in page
    assert Visit.objects.count() == 0


# --- the JSON endpoint -----------------------------------------------------------------


def test_valid_submit_stores_one_visit_and_changes_nothing_in_the_registry(
    admin_dinsos, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm, members=3)
    household = assignment.household
    child = members_of(household)[2]
    head = head_of(household)
    memberships_before = Membership.objects.filter(household=household, end_date__isnull=True)
    count_before = memberships_before.count()
    data = post_data(
        assignment,
        **{
            f"member_{child.pk}": c.MemberChange.MOVED_OUT,
            f"member_{child.pk}_on": "2025-01-18",
            "new_1_kind": c.MemberChange.BIRTH,
            "new_1_name": "Bayi Lestari",
            "new_1_sex": rc.Sex.FEMALE,
            "new_1_relationship": rc.Relationship.CHILD,
            "new_1_birth_date": "2025-01-17",
            "expenditure_per_capita": "300000",
            "floor_type": "tanah",
            "causes": ["phk", "sakit_kronis"],
            "need_alat_bantu": "on",
            "need_alat_bantu_detail": "kursi_roda",
            "need_alat_bantu_person": str(head.pk),
            "need_pangan": "on",
            "latitude": "-7.054321",
            "longitude": "110.441234",
            "accuracy_m": "12",
        },
    )

    response = client_for(psm).post(SUBMIT, data)

    assert response.status_code == 201
    visit = Visit.objects.get()
    assert response.json() == {"status": "created", "visit": visit.pk}
    assert visit.member_changes == [
        {"kind": "pindah", "on": "2025-01-18", "person_id": child.pk},
        {
            "kind": "lahir", "on": "2025-01-17", "full_name": "Bayi Lestari", "sex": "P",
            "relationship": "anak", "birth_date": "2025-01-17",
        },
    ]  # fmt: skip
    assert visit.welfare == {"expenditure_per_capita": 300000, "floor_type": "tanah"}
    assert visit.causes == ["phk", "sakit_kronis"]
    assert visit.needs == [
        {"kind": "alat_bantu", "detail": "kursi_roda", "person_id": head.pk},
        {"kind": "pangan"},
    ]
    assert (visit.latitude, visit.accuracy_m) == (Decimal("-7.054321"), 12)
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.SUBMITTED
    # Nothing reaches the registry before approval.
    assert memberships_before.count() == count_before
    assert not WelfareRecord.objects.filter(household=household, source=rc.Source.VERVAL).exists()
    assert not FamilyCause.objects.filter(household=household).exists()
    assert not FieldFinding.objects.filter(household=household).exists()


def test_two_members_needing_assistive_devices_are_two_needs_once_approved(
    admin_dinsos, psm, officer_tembalang, client_for
):
    (assignment,) = assigned(admin_dinsos, psm, members=3)
    head, _spouse, child = members_of(assignment.household)
    data = post_data(
        assignment,
        need_alat_bantu="on",
        need_alat_bantu_detail="kursi_roda",
        need_alat_bantu_person=str(head.pk),
        need_alat_bantu_2="on",
        need_alat_bantu_2_detail="alat_dengar",
        need_alat_bantu_2_person=str(child.pk),
        need_alat_bantu_2_note="telinga kanan",
    )

    response = client_for(psm).post(SUBMIT, data)

    assert response.status_code == 201
    visit = Visit.objects.get()
    assert visit.needs == [
        {"kind": "alat_bantu", "detail": "kursi_roda", "person_id": head.pk},
        {
            "kind": "alat_bantu", "detail": "alat_dengar", "person_id": child.pk,
            "note": "telinga kanan",
        },
    ]  # fmt: skip

    visit_approve(actor=officer_tembalang, visit=visit)

    needs = Need.objects.filter(household=assignment.household).order_by("pk")
    assert [(n.kind, n.detail, n.person_id, n.note, n.status) for n in needs] == [
        ("alat_bantu", "kursi_roda", head.pk, "", c.NeedStatus.OPEN),
        ("alat_bantu", "alat_dengar", child.pk, "telinga kanan", c.NeedStatus.OPEN),
    ]


def test_same_client_id_twice_is_one_visit(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)
    data = post_data(assignment)
    client = client_for(psm)

    first = client.post(SUBMIT, data)
    second = client.post(SUBMIT, data)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == {"status": "duplicate", "visit": first.json()["visit"]}
    assert Visit.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"outcome": ""}, "outcome", "Pilih hasil kunjungan."),
        ({"client_id": "bukan-uuid"}, "outcome", "ID kunjungan tidak sah; buka formulir lagi."),
        (
            {"consent": c.Consent.NOT_APPLICABLE},
            "consent",
            "Keluarga ditemui: catat apakah keluarga bersedia didata.",
        ),
        (
            {"outcome": c.Outcome.NOT_FOUND},
            "consent",
            "Keluarga tidak ditemui: persetujuan tidak berlaku untuk hasil ini.",
        ),
        ({"latitude": "-7.05"}, "location", "Lokasi GPS tidak lengkap"),
        ({"visited_at": "2999-01-01T08:00:00Z"}, "outcome", "Waktu kunjungan tidak boleh"),
        ({"need_alat_bantu": "on"}, "needs", "Pilih rincian untuk kebutuhan"),
        ({"expenditure_per_capita": "dua ratus"}, "welfare", "Pengeluaran ditulis sebagai angka"),
        (
            {"new_1_kind": c.MemberChange.NEW_MEMBER, "new_1_name": ""},
            "member_changes",
            "Isi tanggal perubahan anggota",
        ),
    ],
)
def test_bad_input_is_400_with_an_indonesian_message_and_its_section(
    fields, field, message, admin_dinsos, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm)

    response = client_for(psm).post(SUBMIT, post_data(assignment, **fields))

    assert response.status_code == 400
    answer = response.json()
    assert answer["field"] == field
    assert answer["error"].startswith(message)
    assert Visit.objects.count() == 0
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.PENDING


def test_prefilled_welfare_and_causes_are_not_sent_without_consent(admin_dinsos, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)
    data = post_data(
        assignment,
        consent=c.Consent.REFUSED,
        expenditure_per_capita="300000",
        floor_type="tanah",
        causes=["phk"],
    )

    response = client_for(psm).post(SUBMIT, data)

    assert response.status_code == 201
    visit = Visit.objects.get()
    assert (visit.consent, visit.welfare, visit.causes) == ("menolak", {}, [])


def test_photo_is_stored_without_its_metadata(admin_dinsos, psm, client_for, media):
    (assignment,) = assigned(admin_dinsos, psm)

    response = client_for(psm).post(SUBMIT, {**post_data(assignment), "photos": [jpeg()]})

    assert response.status_code == 201
    photo = VisitPhoto.objects.get()
    assert (photo.width, photo.height) == (40, 30)


def test_photo_over_10_mb_is_refused(admin_dinsos, psm, client_for, media):
    (assignment,) = assigned(admin_dinsos, psm)
    huge = SimpleUploadedFile("besar.jpg", b"\xff" * (10 * 1024 * 1024 + 1), "image/jpeg")

    response = client_for(psm).post(SUBMIT, {**post_data(assignment), "photos": [huge]})

    assert response.status_code == 400
    assert response.json() == {
        "error": "Foto terlalu besar (paling besar 10 MB).",
        "field": "photos",
    }
    assert Visit.objects.count() == VisitPhoto.objects.count() == 0


def test_more_than_four_photos_are_refused(admin_dinsos, psm, client_for, media):
    (assignment,) = assigned(admin_dinsos, psm)
    photos = [jpeg() for _ in range(5)]

    response = client_for(psm).post(SUBMIT, {**post_data(assignment), "photos": photos})

    assert response.status_code == 400
    assert response.json()["field"] == "photos"
    assert Visit.objects.count() == 0


def test_a_returned_visit_is_sent_again_with_a_new_client_id(
    admin_dinsos, officer_tembalang, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm)
    first = submitted(psm, assignment)
    visit_return(actor=officer_tembalang, visit=first, note="Responden salah")
    client = client_for(psm)

    again = client.post(SUBMIT, post_data(assignment, respondent="Slamet Riyadi"))
    sent = client.post(SUBMIT, post_data(assignment))

    assert again.status_code == 201
    assert sent.status_code == 400
    assert "sudah dikirim" in sent.json()["error"]
    assert Visit.objects.filter(assignment=assignment).count() == 2


# --- the service worker ---------------------------------------------------------------


def test_service_worker_is_served_with_its_headers(client):
    response = client.get(reverse("verval:field_sw"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/verval/lapangan/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    assert '"/static/verval/field.js"' in body
    assert 'const SCOPE = "/verval/lapangan/"' in body
