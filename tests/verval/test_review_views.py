"""The supervisor's review over HTTP: the queue in scope, a visit's page, approve and
return, and the house photos served through an access check."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image
from tests.factories import head_of, make_household, members_of

from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.models import Person
from entas.targeting.models import FamilyCause, FieldFinding
from entas.verval import choices as c
from entas.verval.models import Visit, VisitPhoto
from entas.verval.services import campaigns
from entas.verval.services.photos import photo_prepare
from entas.verval.services.visits import MemberChangeInput, visit_submit

from .builders import assigned, campaign, kelurahan_officer, submitted, visit_input

TUGU_KELURAHAN = "33.74.16.1001"
JAN_18 = dt.date(2025, 1, 18)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def psm(regions):
    return kelurahan_officer("psm_meteseh")


def _waiting(admin, officer, **fields):
    (assignment,) = assigned(admin, officer)
    return submitted(officer, assignment, **fields)


def _tugu_visit(admin):
    officer = kelurahan_officer("psm_jerakah", TUGU_KELURAHAN)
    family = make_household(kelurahan_code=TUGU_KELURAHAN)
    made = campaign(admin, households=[family])
    campaigns.campaign_assign_balanced(actor=admin, campaign=made, officers=[officer])
    return submitted(officer, made.assignments.get())


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (7.0, 3.0, 30.0), 3: "E", 4: (110.0, 26.0, 15.0)})
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def _visit_with_photo(admin, officer):
    (assignment,) = assigned(admin, officer)
    content = _jpeg()
    photo = photo_prepare(io.BytesIO(content), size=len(content))
    visit, _created = visit_submit(
        actor=officer, assignment=assignment, data=visit_input(), photos=[photo]
    )
    return visit


# --- the queue -------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_lists_waiting_visits_in_scope_oldest_first(
    admin_dinsos, officer_tembalang, officer_tugu, psm, client_for
):
    first = _waiting(admin_dinsos, psm)
    second = _waiting(admin_dinsos, psm)
    tugu = _tugu_visit(admin_dinsos)
    response = client_for(officer_tembalang).get(reverse("verval:review_queue"))
    assert response.status_code == 200
    assert [visit.pk for visit in response.context["page"].object_list] == [first.pk, second.pk]
    assert response.context["total"] == 2
    assert head_of(first.household).full_name in response.content.decode()
    tugu_page = client_for(officer_tugu).get(reverse("verval:review_queue"))
    assert [visit.pk for visit in tugu_page.context["page"].object_list] == [tugu.pk]
    admin_page = client_for(admin_dinsos).get(reverse("verval:review_queue"))
    assert admin_page.context["total"] == 3


@pytest.mark.django_db
def test_queue_leaves_out_own_and_reviewed_visits(admin_dinsos, officer_tembalang, psm, client_for):
    waiting = _waiting(admin_dinsos, psm)
    returned = _waiting(admin_dinsos, psm)
    client_for(admin_dinsos).post(
        reverse("verval:visit_return", args=[returned.pk]), {"note": "Foto kurang"}
    )
    (own_assignment,) = assigned(admin_dinsos, officer_tembalang)
    own = submitted(officer_tembalang, own_assignment)
    response = client_for(officer_tembalang).get(reverse("verval:review_queue"))
    assert [visit.pk for visit in response.context["page"].object_list] == [waiting.pk]
    admin_page = client_for(admin_dinsos).get(reverse("verval:review_queue"))
    assert [v.pk for v in admin_page.context["page"].object_list] == [waiting.pk, own.pk]


@pytest.mark.django_db
def test_queue_filters_by_campaign_and_kelurahan(admin_dinsos, officer_tembalang, psm, client_for):
    first = _waiting(admin_dinsos, psm)
    second = _waiting(admin_dinsos, psm)
    client = client_for(officer_tembalang)
    by_campaign = client.get(
        reverse("verval:review_queue"), {"campaign": second.assignment.campaign_id}
    )
    assert [v.pk for v in by_campaign.context["page"].object_list] == [second.pk]
    other = client.get(reverse("verval:review_queue"), {"kelurahan": "33.74.10.1002"})
    assert other.context["total"] == 0
    same = client.get(reverse("verval:review_queue"), {"kelurahan": "33.74.10.1001"})
    assert [v.pk for v in same.context["page"].object_list] == [first.pk, second.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin_dinsos", 200),
        ("officer_tembalang", 200),
        ("officer_tugu", 200),
        ("opd_dinkes", 403),
        ("partner_csr", 403),
        ("leader", 403),
        ("auditor", 403),
    ],
)
def test_queue_is_for_reviewers_only(cast, client_for, name, status):
    response = client_for(cast[name]).get(reverse("verval:review_queue"))
    assert response.status_code == status


@pytest.mark.django_db
def test_kelurahan_officer_may_not_review(admin_dinsos, psm, client_for):
    visit = _waiting(admin_dinsos, kelurahan_officer("psm_lain"))
    client = client_for(psm)
    assert client.get(reverse("verval:review_queue")).status_code == 403
    assert client.get(reverse("verval:visit_detail", args=[visit.pk])).status_code == 403
    response = client.post(reverse("verval:visit_approve", args=[visit.pk]), {"note": ""})
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.status == c.VisitStatus.SUBMITTED


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("verval:review_queue"))
    assert response.status_code == 302
    assert "/masuk/" in response["Location"] or "login" in response["Location"]


# --- a visit's page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_visit_page_shows_what_was_sent_and_audits_the_view(
    admin_dinsos, officer_tembalang, psm, client_for
):
    (assignment,) = assigned(
        admin_dinsos, psm, latitude=Decimal("-7.050000"), longitude=Decimal("110.440000")
    )
    child = members_of(assignment.household)[2]
    visit = submitted(
        psm, assignment, latitude=Decimal("-7.053"), longitude=Decimal("110.44"), accuracy_m=12,
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=JAN_18, person_id=child.pk)
        ],
        welfare={"expenditure_per_capita": 300000}, causes=["phk"], note="Rumah bocor",
    )  # fmt: skip
    response = client_for(officer_tembalang).get(reverse("verval:visit_detail", args=[visit.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Catatan pemeriksa" in page
    assert ">Setujui</button>" in page
    assert ">Kembalikan</button>" in page
    assert child.full_name in page
    assert "Rumah bocor" in page
    assert "300.000" in page
    assert "Kehilangan pekerjaan (PHK)" in page
    review = response.context["review"]
    assert review.location.distance_m == 334
    assert 'id="gps-far"' in page
    event = AuditEvent.objects.get(action="household.view", actor=officer_tembalang)
    assert event.trail == f"household:{visit.household_id}"
    assert str(visit.pk) in event.summary


@pytest.mark.django_db
def test_own_visit_is_read_only(admin_dinsos, officer_tembalang, client_for):
    (assignment,) = assigned(admin_dinsos, officer_tembalang)
    visit = submitted(officer_tembalang, assignment)
    client = client_for(officer_tembalang)
    response = client.get(reverse("verval:visit_detail", args=[visit.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Anda tidak dapat memeriksa kunjungan Anda sendiri." in page
    assert ">Setujui</button>" not in page
    assert ">Kembalikan</button>" not in page
    refused = client.post(reverse("verval:visit_approve", args=[visit.pk]), {"note": ""})
    assert refused.status_code == 400
    visit.refresh_from_db()
    assert visit.status == c.VisitStatus.SUBMITTED
    assert visit.reviewed_by is None


@pytest.mark.django_db
def test_visit_out_of_scope_is_404(admin_dinsos, officer_tembalang, client_for):
    tugu = _tugu_visit(admin_dinsos)
    client = client_for(officer_tembalang)
    assert client.get(reverse("verval:visit_detail", args=[tugu.pk])).status_code == 404
    response = client.post(reverse("verval:visit_approve", args=[tugu.pk]), {"note": ""})
    assert response.status_code == 404
    response = client.post(reverse("verval:visit_return", args=[tugu.pk]), {"note": "x"})
    assert response.status_code == 404
    tugu.refresh_from_db()
    assert tugu.status == c.VisitStatus.SUBMITTED
    assert client.get(reverse("verval:visit_detail", args=[999999])).status_code == 404


# --- approve and return -------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_writes_registry_and_redirects_with_family_name(
    admin_dinsos, officer_tembalang, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm)
    household = assignment.household
    head = head_of(household)
    child = members_of(household)[2]
    visit = submitted(
        psm, assignment, causes=["phk"],
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_18, person_id=child.pk)
        ],
    )  # fmt: skip
    client = client_for(officer_tembalang)
    response = client.post(
        reverse("verval:visit_approve", args=[visit.pk]), {"note": "Sesuai"}, follow=True
    )
    assert response.redirect_chain == [(reverse("verval:review_queue"), 302)]
    assert f"Kunjungan keluarga {head.full_name} disetujui." in response.content.decode()
    visit.refresh_from_db()
    assert (visit.status, visit.reviewed_by, visit.review_note) == (
        c.VisitStatus.APPROVED, officer_tembalang, "Sesuai",
    )  # fmt: skip
    child.refresh_from_db()
    assert (child.status, child.death_date) == (rc.PersonStatus.DECEASED, dt.date(2025, 1, 18))
    assert FamilyCause.objects.get(household=household, cause="phk").is_present
    assert FieldFinding.objects.get(household=household).reference == f"verval:{visit.pk}"
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.APPROVED


@pytest.mark.django_db
def test_approve_refused_by_registry_is_shown_and_writes_nothing(
    admin_dinsos, officer_tembalang, psm, client_for
):
    (assignment,) = assigned(admin_dinsos, psm)
    taken = members_of(make_household())[0]
    visit = submitted(
        psm, assignment,
        member_changes=[
            MemberChangeInput(
                kind=c.MemberChange.NEW_MEMBER, on=dt.date(2025, 1, 5), full_name="Budi Santoso",
                sex=rc.Sex.MALE, relationship=rc.Relationship.OTHER, nik=taken.nik,
            )
        ],
    )  # fmt: skip
    persons = Person.objects.count()
    response = client_for(officer_tembalang).post(
        reverse("verval:visit_approve", args=[visit.pk]), {"note": "Oke"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kunjungan tidak dapat disetujui" in page
    assert ">Oke</textarea>" in page
    assert Person.objects.count() == persons
    visit.refresh_from_db()
    assert visit.status == c.VisitStatus.SUBMITTED
    assert not FieldFinding.objects.filter(household=visit.household).exists()


@pytest.mark.django_db
def test_return_needs_a_note_and_keeps_nothing_half_done(
    admin_dinsos, officer_tembalang, psm, client_for
):
    visit = _waiting(admin_dinsos, psm)
    client = client_for(officer_tembalang)
    response = client.post(reverse("verval:visit_return", args=[visit.pk]), {"note": "   "})
    assert response.status_code == 400
    assert "Tuliskan apa yang perlu diperbaiki petugas." in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == c.VisitStatus.SUBMITTED
    response = client.post(
        reverse("verval:visit_return", args=[visit.pk]), {"note": "Foto rumah belum ada"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("verval:review_queue")
    visit.refresh_from_db()
    visit.assignment.refresh_from_db()
    assert (visit.status, visit.review_note, visit.reviewed_by) == (
        c.VisitStatus.RETURNED, "Foto rumah belum ada", officer_tembalang,
    )  # fmt: skip
    assert visit.assignment.status == c.AssignmentStatus.RETURNED
    assert not FieldFinding.objects.filter(household=visit.household).exists()


@pytest.mark.django_db
def test_reviewed_visit_cannot_be_reviewed_again(admin_dinsos, officer_tembalang, psm, client_for):
    visit = _waiting(admin_dinsos, psm)
    client = client_for(officer_tembalang)
    client.post(reverse("verval:visit_return", args=[visit.pk]), {"note": "Ulangi"})
    page = client.get(reverse("verval:visit_detail", args=[visit.pk])).content.decode()
    assert ">Setujui</button>" not in page
    assert "Ulangi" in page
    response = client_for(admin_dinsos).post(reverse("verval:visit_approve", args=[visit.pk]))
    assert response.status_code == 400
    assert "Kunjungan ini sudah diperiksa." in response.content.decode()
    visit.refresh_from_db()
    assert (visit.status, visit.reviewed_by) == (c.VisitStatus.RETURNED, officer_tembalang)


@pytest.mark.django_db
def test_second_visit_shows_earlier_review_note(admin_dinsos, officer_tembalang, psm, client_for):
    (assignment,) = assigned(admin_dinsos, psm)
    first = submitted(psm, assignment)
    client = client_for(officer_tembalang)
    client.post(reverse("verval:visit_return", args=[first.pk]), {"note": "Responden salah"})
    second = submitted(psm, assignment)
    response = client.get(reverse("verval:visit_detail", args=[second.pk]))
    assert [v.pk for v in response.context["review"].earlier] == [first.pk]
    assert "Responden salah" in response.content.decode()


# --- photos ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_photo_served_without_metadata_with_private_headers(
    admin_dinsos, officer_tembalang, psm, client_for
):
    visit = _visit_with_photo(admin_dinsos, psm)
    photo = visit.photos.get()
    assert photo.latitude is not None
    response = client_for(officer_tembalang).get(reverse("verval:visit_photo", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"
    served = Image.open(io.BytesIO(response.content))
    assert served.format == "JPEG"
    assert dict(served.getexif()) == {}
    assert "exif" not in served.info


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("admin_dinsos", 200),
        ("officer_tembalang", 200),
        ("officer_tugu", 404),
        ("opd_dinkes", 404),
        ("partner_csr", 404),
        ("leader", 404),
        ("auditor", 404),
    ],
)
def test_photo_access(cast, client_for, name, status):
    officer = kelurahan_officer("psm_foto")
    visit = _visit_with_photo(cast["admin_dinsos"], officer)
    photo = visit.photos.get()
    assert (
        client_for(officer).get(reverse("verval:visit_photo", args=[photo.pk])).status_code == 200
    )
    other_psm = kelurahan_officer("psm_lain")
    assert (
        client_for(other_psm).get(reverse("verval:visit_photo", args=[photo.pk])).status_code == 404
    )
    response = client_for(cast[name]).get(reverse("verval:visit_photo", args=[photo.pk]))
    assert response.status_code == status


@pytest.mark.django_db
def test_visit_page_shows_photo_with_its_recorded_place(
    admin_dinsos, officer_tembalang, psm, client_for
):
    visit = _visit_with_photo(admin_dinsos, psm)
    photo = VisitPhoto.objects.get(visit=visit)
    page = client_for(officer_tembalang).get(reverse("verval:visit_detail", args=[visit.pk]))
    html = page.content.decode()
    assert reverse("verval:visit_photo", args=[photo.pk]) in html
    assert "-7.058333, 110.437500" in html
    assert Visit.objects.get(pk=visit.pk).photos.count() == 1
