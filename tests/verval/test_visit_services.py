"""The visit services: `visit_submit` (received once, checked while the officer can still
fix it) and `visit_approve` / `visit_return` (the four-eyes review that writes the
registry and targeting, all or nothing, with history)."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from tests.factories import head_of, make_household, members_of

from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.models import Household, Membership, Person, WelfareRecord
from entas.targeting import choices as tc
from entas.targeting import services as targeting
from entas.targeting.causes import cause_set
from entas.targeting.models import Alert, FamilyCause, FieldFinding, Graduation, RuleSet
from entas.verval import choices as c
from entas.verval.exceptions import VervalError
from entas.verval.models import Assignment, Need, Visit
from entas.verval.services.photos import PreparedPhoto
from entas.verval.services.visits import (
    MemberChangeInput,
    NeedInput,
    visit_approve,
    visit_return,
    visit_submit,
)

from .builders import STARTS, assigned, kelurahan_officer, submitted, visit_input

JAN_10, JAN_18 = dt.date(2025, 1, 10), dt.date(2025, 1, 18)


@pytest.fixture
def psm(regions):
    return kelurahan_officer("psm_meteseh")


@pytest.fixture
def assignment(admin_dinsos, psm) -> Assignment:
    return assigned(admin_dinsos, psm, members=3)[0]


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _refused(psm, assignment, **fields) -> VervalError:
    """Submit and expect a refusal; nothing stored, the assignment still open."""
    visits = Visit.objects.count()
    with pytest.raises(VervalError) as caught:
        submitted(psm, assignment, **fields)
    assert Visit.objects.count() == visits
    assignment.refresh_from_db()
    assert assignment.status in c.OPEN_ASSIGNMENT
    return caught.value


def _photo() -> PreparedPhoto:
    return PreparedPhoto(
        content=b"\xff\xd8\xff\xd9", width=1, height=1, original_bytes=4, taken_at=None,
        latitude=None, longitude=None,
    )  # fmt: skip


def _new_member(**fields) -> MemberChangeInput:
    values = {
        "kind": c.MemberChange.NEW_MEMBER, "on": JAN_10, "full_name": "Budi Santoso",
        "sex": rc.Sex.MALE, "relationship": rc.Relationship.OTHER,
    }  # fmt: skip
    values.update(fields)
    return MemberChangeInput(**values)


def _trail_actions(household: Household) -> list[str]:
    return list(
        AuditEvent.objects.filter(trail=f"household:{household.pk}")
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- receiving: once, whatever the retries -----------------------------------------------


@pytest.mark.django_db
def test_submit_stores_visit_and_marks_assignment_waiting(psm, assignment):
    visit, created = visit_submit(
        actor=psm, assignment=assignment, data=visit_input(respondent="  Siti   Aminah ")
    )
    assert created
    assert (visit.officer, visit.household, visit.status) == (
        psm, assignment.household, c.VisitStatus.SUBMITTED,
    )  # fmt: skip
    assert visit.respondent == "Siti Aminah"
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.SUBMITTED
    assert _trail_actions(assignment.household)[-1] == "verval.visit_submit"


@pytest.mark.django_db
def test_same_client_id_again_returns_the_stored_visit(psm, assignment):
    data = visit_input()
    first, created = visit_submit(actor=psm, assignment=assignment, data=data)
    again, created_again = visit_submit(actor=psm, assignment=assignment, data=data)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert AuditEvent.objects.filter(action="verval.visit_submit").count() == 1


@pytest.mark.django_db
def test_same_client_id_on_another_assignment_is_refused(admin_dinsos, psm, assignment):
    (other,) = assigned(admin_dinsos, psm)
    data = visit_input()
    visit_submit(actor=psm, assignment=assignment, data=data)
    with pytest.raises(VervalError) as caught:
        visit_submit(actor=psm, assignment=other, data=data)
    assert caught.value.code == "client_id"
    assert Visit.objects.count() == 1
    other.refresh_from_db()
    assert other.status == c.AssignmentStatus.PENDING


@pytest.mark.django_db
def test_officer_not_assigned_is_refused(psm, assignment):
    stranger = kelurahan_officer("psm_lain")
    with pytest.raises(VervalError) as caught:
        submitted(stranger, assignment)
    assert caught.value.code == "not_assigned"
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_campaign_not_running_is_refused(psm, assignment):
    campaign = assignment.campaign
    campaign.status = c.CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    assert _refused(psm, assignment).code == "campaign_not_active"


# --- checks on what the phone sent --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"outcome": "entah"}, "outcome", "Pilih hasil kunjungan."),
        ({"consent": "entah"}, "consent", "Pilih persetujuan keluarga."),
        (
            {"consent": c.Consent.NOT_APPLICABLE},
            "consent",
            "Keluarga ditemui: catat apakah keluarga bersedia didata.",
        ),
        (
            {"outcome": c.Outcome.NOT_FOUND, "consent": c.Consent.GIVEN},
            "consent",
            "Keluarga tidak ditemui: persetujuan tidak berlaku untuk hasil ini.",
        ),
        (
            {"visited_at": dt.datetime(2024, 12, 31, 9, 0, tzinfo=dt.UTC)},
            "visited_at",
            "Waktu kunjungan sebelum kampanye dimulai.",
        ),
        (
            {"latitude": Decimal("-7.05")},
            "latitude",
            "Lokasi GPS tidak lengkap: lintang dan bujur harus ada keduanya.",
        ),
        (
            {"latitude": Decimal("-97"), "longitude": Decimal("110.4")},
            "latitude",
            "Lokasi GPS di luar jangkauan.",
        ),
        (
            {"latitude": Decimal("-7"), "longitude": Decimal("190")},
            "latitude",
            "Lokasi GPS di luar jangkauan.",
        ),
        ({"accuracy_m": -1}, "accuracy_m", "Akurasi GPS tidak sah."),
        ({"note": "x" * 2001}, "note", "Catatan terlalu panjang."),
        ({"causes": ["bukan_penyebab"]}, "causes", "Penyebab tidak dikenal."),
        ({"causes": [tc.Cause.OTHER]}, "note", "Jelaskan penyebab “lainnya” di catatan."),
        ({"welfare": {"warna_rumah": "biru"}}, "welfare", "Kolom tidak dikenal: warna_rumah."),
        (
            {"welfare": {"expenditure_per_capita": -5}},
            "welfare",
            "expenditure_per_capita harus bilangan bulat tidak negatif.",
        ),
    ],
)
def test_submit_checks(psm, assignment, fields, name, message):
    error = _refused(psm, assignment, **fields)
    assert (error.field, error.message) == (name, message)


@pytest.mark.django_db
def test_visit_time_in_the_future_is_refused_beyond_clock_skew(psm, assignment):
    later = timezone.now() + dt.timedelta(minutes=30)
    error = _refused(psm, assignment, visited_at=later)
    assert error.message == "Waktu kunjungan tidak boleh di masa depan."
    visit = submitted(psm, assignment, visited_at=timezone.now() + dt.timedelta(minutes=5))
    assert visit.pk is not None


@pytest.mark.django_db
def test_refusal_records_the_outcome_only(psm, assignment):
    error = _refused(
        psm, assignment, consent=c.Consent.REFUSED, welfare={"expenditure_per_capita": 1}
    )
    assert error.message == (
        "Tanpa persetujuan keluarga hanya hasil kunjungan yang dicatat, bukan data keluarga."
    )
    for fields in (
        {"causes": ["phk"]},
        {"needs": [NeedInput(kind=c.NeedKind.FOOD)]},
        {"member_changes": [_new_member()]},
    ):
        assert _refused(psm, assignment, consent=c.Consent.REFUSED, **fields).field == "consent"
    with pytest.raises(VervalError):
        visit_submit(
            actor=psm, assignment=assignment,
            data=visit_input(consent=c.Consent.REFUSED), photos=[_photo()],
        )  # fmt: skip
    visit = submitted(psm, assignment, consent=c.Consent.REFUSED)
    assert visit.consent == c.Consent.REFUSED


@pytest.mark.django_db
def test_died_only_for_a_single_member_family(admin_dinsos, psm, assignment):
    error = _refused(psm, assignment, outcome=c.Outcome.DIED, consent=c.Consent.NOT_APPLICABLE)
    assert error.field == "outcome"
    (alone,) = assigned(admin_dinsos, psm, members=1)
    visit = submitted(psm, alone, outcome=c.Outcome.DIED, consent=c.Consent.NOT_APPLICABLE)
    assert visit.outcome == c.Outcome.DIED


@pytest.mark.django_db
def test_duplicate_of_rules(psm, assignment):
    other = make_household()
    duplicate = {"outcome": c.Outcome.DUPLICATE, "consent": c.Consent.NOT_APPLICABLE}
    assert _refused(psm, assignment, duplicate_of_id=other.pk).message == (
        "Keluarga duplikat hanya diisi untuk hasil “data ganda”."
    )
    assert _refused(
        psm, assignment, duplicate_of_id=assignment.household_id, **duplicate
    ).message == ("Keluarga duplikat tidak ditemukan.")
    assert _refused(psm, assignment, duplicate_of_id=987654, **duplicate).field == "duplicate_of"
    visit = submitted(psm, assignment, duplicate_of_id=other.pk, **duplicate)
    assert visit.duplicate_of == other


@pytest.mark.django_db
def test_member_change_checks(psm, assignment):
    household = assignment.household
    head, spouse, child = members_of(household)
    stranger = members_of(make_household())[1]
    cases = [
        (MemberChangeInput(kind="hilang", on=JAN_10, person_id=child.pk), "tidak dikenal"),
        (MemberChangeInput(kind=c.MemberChange.DEATH, person_id=child.pk), "Isi tanggal"),
        (
            MemberChangeInput(
                kind=c.MemberChange.DEATH, on=dt.date(2099, 1, 1), person_id=child.pk
            ),
            "Isi tanggal",
        ),
        (
            MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=JAN_10, person_id=stranger.pk),
            "harus anggota keluarga ini",
        ),
        (
            MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_10, person_id=child.pk),
            "sebelum anggota tercatat masuk (2025-01-15)",
        ),
    ]
    for change, text in cases:
        assert text in _refused(psm, assignment, member_changes=[change]).message
    twice = [
        MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_18, person_id=child.pk),
        MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=JAN_18, person_id=child.pk),
    ]
    assert "satu kali" in _refused(psm, assignment, member_changes=twice).message
    head_leaves = [MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_18, person_id=head.pk)]
    error = _refused(psm, assignment, member_changes=head_leaves)
    assert (error.field, error.message) == (
        "new_head",
        "Kepala keluarga keluar: pilih kepala keluarga baru dari anggota yang tetap.",
    )
    assert _refused(psm, assignment, member_changes=head_leaves, new_head_id=head.pk).field == (
        "new_head"
    )
    assert _refused(psm, assignment, new_head_id=stranger.pk).message == (
        "Kepala keluarga baru harus anggota yang tetap."
    )
    visit = submitted(psm, assignment, member_changes=head_leaves, new_head_id=spouse.pk)
    assert visit.new_head == spouse
    assert visit.member_changes == [{"kind": "meninggal", "on": "2025-01-18", "person_id": head.pk}]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"full_name": "   "}, "Isi nama anggota baru."),
        ({"sex": "X"}, "Pilih jenis kelamin anggota baru."),
        ({"relationship": rc.Relationship.HEAD}, "Pilih hubungan anggota baru"),
        ({"relationship": "tetangga"}, "Pilih hubungan anggota baru"),
        ({"kind": c.MemberChange.BIRTH}, "Isi tanggal lahir bayi."),
        ({"birth_date": dt.date(2099, 1, 1)}, "Tanggal lahir tidak boleh di masa depan."),
        ({"nik": "12345"}, "16"),
    ],
)
def test_new_member_checks(psm, assignment, fields, text):
    error = _refused(psm, assignment, member_changes=[_new_member(**fields)])
    assert error.field == "member_changes"
    assert text in error.message


@pytest.mark.django_db
def test_need_checks(psm, assignment):
    head = head_of(assignment.household)
    stranger = head_of(make_household())
    cases = [
        (NeedInput(kind="mobil"), "Kebutuhan tidak dikenal."),
        (
            NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE),
            "Pilih rincian untuk kebutuhan “Alat bantu disabilitas”.",
        ),
        (NeedInput(kind=c.NeedKind.DOCUMENTS, detail="paspor"), "Pilih rincian"),
        (NeedInput(kind=c.NeedKind.FOOD, detail="x" * 121), "Rincian kebutuhan terlalu panjang."),
        (NeedInput(kind=c.NeedKind.FOOD, note="x" * 301), "Rincian kebutuhan terlalu panjang."),
        (
            NeedInput(kind=c.NeedKind.FOOD, person_id=stranger.pk),
            "Kebutuhan perorangan harus untuk anggota keluarga ini.",
        ),
    ]
    for need, text in cases:
        error = _refused(psm, assignment, needs=[need])
        assert error.field == "needs"
        assert text in error.message
    same = NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE, detail="kursi_roda", person_id=head.pk)
    error = _refused(psm, assignment, needs=[same, same])
    assert error.message == "Kebutuhan yang sama tercatat dua kali."


@pytest.mark.django_db
def test_more_than_four_photos_refused(psm, assignment):
    with pytest.raises(VervalError) as caught:
        visit_submit(actor=psm, assignment=assignment, data=visit_input(), photos=[_photo()] * 5)
    assert caught.value.message == "Paling banyak 4 foto per kunjungan."
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_four_photos_stored(psm, assignment, media_in_tmp):
    visit, _created = visit_submit(
        actor=psm, assignment=assignment, data=visit_input(), photos=[_photo()] * 4
    )
    assert visit.photos.count() == 4


# --- the status machine -------------------------------------------------------------------


@pytest.mark.django_db
def test_cannot_submit_while_waiting_but_can_after_return(psm, officer_tembalang, assignment):
    first = submitted(psm, assignment)
    with pytest.raises(VervalError) as caught:
        submitted(psm, assignment)
    assert caught.value.code == "sent"
    visit_return(actor=officer_tembalang, visit=first, note="Ulangi")
    second = submitted(psm, assignment)
    assignment.refresh_from_db()
    assert assignment.status == c.AssignmentStatus.SUBMITTED
    assert list(assignment.visits.order_by("pk").values_list("status", flat=True)) == [
        c.VisitStatus.RETURNED, c.VisitStatus.SUBMITTED,
    ]  # fmt: skip
    assert second.pk != first.pk


@pytest.mark.django_db
def test_cannot_submit_after_approval(psm, officer_tembalang, assignment):
    visit_approve(actor=officer_tembalang, visit=submitted(psm, assignment))
    with pytest.raises(VervalError):
        submitted(psm, assignment)
    assert Visit.objects.count() == 1


@pytest.mark.django_db
def test_cannot_review_twice(psm, officer_tembalang, admin_dinsos, assignment):
    visit = submitted(psm, assignment)
    visit_return(actor=officer_tembalang, visit=visit, note="Ulangi")
    for review in (
        lambda: visit_approve(actor=admin_dinsos, visit=visit),
        lambda: visit_return(actor=admin_dinsos, visit=visit, note="Lagi"),
    ):
        with pytest.raises(VervalError) as caught:
            review()
        assert caught.value.code == "reviewed"
    visit.refresh_from_db()
    assert (visit.reviewed_by, visit.review_note) == (officer_tembalang, "Ulangi")


@pytest.mark.django_db
def test_return_needs_a_note(psm, officer_tembalang, assignment):
    visit = submitted(psm, assignment)
    with pytest.raises(VervalError) as caught:
        visit_return(actor=officer_tembalang, visit=visit, note="  ")
    assert (caught.value.field, caught.value.message) == (
        "note", "Tuliskan apa yang perlu diperbaiki petugas.",
    )  # fmt: skip
    visit.refresh_from_db()
    assert visit.status == c.VisitStatus.SUBMITTED


@pytest.mark.django_db
def test_own_visit_cannot_be_reviewed(admin_dinsos, officer_tembalang):
    (own,) = assigned(admin_dinsos, officer_tembalang)
    visit = submitted(officer_tembalang, own)
    for review in (
        lambda: visit_approve(actor=officer_tembalang, visit=visit),
        lambda: visit_return(actor=officer_tembalang, visit=visit, note="Ulangi"),
    ):
        with pytest.raises(VervalError) as caught:
            review()
        assert caught.value.code == "own_visit"
    visit.refresh_from_db()
    assert (visit.status, visit.reviewed_by) == (c.VisitStatus.SUBMITTED, None)
    assert not FieldFinding.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_refuses_a_visit_reviewed_by_its_officer(regions, admin_dinsos, psm):
    (assignment,) = assigned(admin_dinsos, psm)
    visit = submitted(psm, assignment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(reviewed_by=psm)
    visit.refresh_from_db()
    assert visit.reviewed_by is None


@pytest.mark.django_db
def test_return_writes_nothing_to_the_registry(psm, officer_tembalang, assignment):
    child = members_of(assignment.household)[2]
    visit = submitted(
        psm, assignment, causes=["phk"], welfare={"expenditure_per_capita": 1},
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_18, person_id=child.pk)
        ],
    )  # fmt: skip
    visit_return(actor=officer_tembalang, visit=visit, note="Cek lagi")
    child.refresh_from_db()
    assert child.status == rc.PersonStatus.ACTIVE
    assert not FamilyCause.objects.filter(household=assignment.household).exists()
    assert not FieldFinding.objects.exists()
    assert _trail_actions(assignment.household)[-1] == "verval.visit_return"
    assert AuditEvent.objects.get(action="verval.visit_return").reason == "Cek lagi"


# --- approval: what reaches the registry, with history -------------------------------------


@pytest.mark.django_db
def test_approval_ends_memberships_adds_persons_and_changes_head(
    psm, officer_tembalang, assignment
):
    household = assignment.household
    head, spouse, child = members_of(household)
    visit = submitted(
        psm, assignment,
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.DEATH, on=JAN_18, person_id=head.pk),
            MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=JAN_18, person_id=child.pk),
            MemberChangeInput(
                kind=c.MemberChange.BIRTH, on=dt.date(2025, 1, 17), full_name="Bayi Lestari",
                sex=rc.Sex.FEMALE, relationship=rc.Relationship.GRANDCHILD,
                birth_date=dt.date(2025, 1, 17),
            ),
            _new_member(nik=""),
        ],
        new_head_id=spouse.pk,
    )  # fmt: skip
    visit_approve(actor=officer_tembalang, visit=visit, note="Sesuai")
    head.refresh_from_db()
    child.refresh_from_db()
    assert (head.status, head.death_date) == (rc.PersonStatus.DECEASED, JAN_18)
    assert child.status == rc.PersonStatus.MOVED_OUT
    current = {
        m.person.full_name: (m.relationship, m.start_date, m.start_reason)
        for m in Membership.objects.filter(household=household, end_date__isnull=True)
    }
    assert current == {
        # the head changed the day the old head died, not the day of the visit
        "Siti Aminah": (rc.Relationship.HEAD, JAN_18, rc.MembershipStart.CORRECTION),
        "Bayi Lestari": (
            rc.Relationship.GRANDCHILD,
            dt.date(2025, 1, 17),
            rc.MembershipStart.BIRTH,
        ),
        "Budi Santoso": (rc.Relationship.OTHER, JAN_10, rc.MembershipStart.MOVED_IN),
    }
    ended = Membership.objects.filter(household=household, end_date=JAN_18).exclude(
        end_reason=rc.MembershipEnd.CORRECTION
    )
    assert sorted(ended.values_list("person_id", "end_reason")) == [
        (head.pk, rc.MembershipEnd.DEATH), (child.pk, rc.MembershipEnd.MOVED_OUT),
    ]  # fmt: skip
    actions = _trail_actions(household)
    for action in (
        "household.head_change", "household.member_add", "person.death", "person.move_out",
        "targeting.finding_record", "verval.visit_approve",
    ):  # fmt: skip
        assert action in actions
    assert actions.count("household.member_add") == 2
    approval = AuditEvent.objects.get(action="verval.visit_approve")
    assert (approval.actor, approval.reason) == (officer_tembalang, "Sesuai")


@pytest.mark.django_db
def test_approval_of_died_outcome_dissolves_a_one_person_family(
    admin_dinsos, psm, officer_tembalang
):
    (alone,) = assigned(admin_dinsos, psm, members=1)
    household = alone.household
    person = head_of(household)
    visit = submitted(psm, alone, outcome=c.Outcome.DIED, consent=c.Consent.NOT_APPLICABLE)
    visit_approve(actor=officer_tembalang, visit=visit)
    household.refresh_from_db()
    person.refresh_from_db()
    assert household.status == rc.HouseholdStatus.DISSOLVED
    assert (person.status, person.death_date) == (rc.PersonStatus.DECEASED, dt.date(2025, 1, 20))
    assert FieldFinding.objects.get(household=household).outcome == c.Outcome.DIED
    assert "household.dissolve" in _trail_actions(household)


@pytest.mark.django_db
def test_approval_records_welfare_from_verval(psm, officer_tembalang, assignment):
    household = assignment.household
    visit = submitted(
        psm, assignment, welfare={"expenditure_per_capita": 300000, "floor_type": "tanah"}
    )
    visit_approve(actor=officer_tembalang, visit=visit)
    household.refresh_from_db()
    record = household.current_welfare
    assert (record.source, record.as_of, record.expenditure_per_capita, record.floor_type) == (
        rc.Source.VERVAL, dt.date(2025, 1, 20), 300000, "tanah",
    )  # fmt: skip
    assert WelfareRecord.objects.filter(household=household).count() == 1
    assert "welfare.record" in _trail_actions(household)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("registered", "accuracy", "replaced"),
    [
        (False, None, True),  # no coordinates yet: any fix is better than none
        (False, 400, True),
        (True, 50, True),
        (True, 51, False),
        (True, None, False),
    ],
)
def test_approval_replaces_location_only_when_missing_or_accurate(
    admin_dinsos, psm, officer_tembalang, registered, accuracy, replaced
):
    coordinates = {"latitude": Decimal("-7.050000"), "longitude": Decimal("110.440000")}
    (assignment,) = assigned(admin_dinsos, psm, **(coordinates if registered else {}))
    visit = submitted(
        psm, assignment, latitude=Decimal("-7.060000"), longitude=Decimal("110.450000"),
        accuracy_m=accuracy,
    )  # fmt: skip
    visit_approve(actor=officer_tembalang, visit=visit)
    household = Household.objects.get(pk=assignment.household_id)
    expected = (
        (Decimal("-7.060000"), Decimal("110.450000"))
        if replaced
        else ((coordinates["latitude"], coordinates["longitude"]) if registered else (None, None))
    )
    assert (household.latitude, household.longitude) == expected
    assert ("household.update" in _trail_actions(household)) == replaced


@pytest.mark.django_db
def test_approval_not_met_keeps_location(psm, officer_tembalang, assignment):
    visit = submitted(
        psm, assignment, outcome=c.Outcome.NOT_FOUND, consent=c.Consent.NOT_APPLICABLE,
        latitude=Decimal("-7.06"), longitude=Decimal("110.45"), accuracy_m=5,
    )  # fmt: skip
    visit_approve(actor=officer_tembalang, visit=visit)
    household = Household.objects.get(pk=assignment.household_id)
    assert household.latitude is None
    assert FieldFinding.objects.get(household=household).outcome == c.Outcome.NOT_FOUND


@pytest.mark.django_db
def test_approval_sets_and_removes_causes_with_source_verval(
    psm, officer_tembalang, admin_dinsos, assignment
):
    household = assignment.household
    cause_set(actor=admin_dinsos, household=household, cause="sakit_kronis", present=True, note="")
    visit = submitted(psm, assignment, causes=["phk", "lainnya"], note="Usaha bangkrut")
    visit_approve(actor=officer_tembalang, visit=visit)
    rows = {
        row.cause: (row.is_present, row.source, row.note)
        for row in FamilyCause.objects.filter(household=household)
    }
    assert rows == {
        "phk": (True, tc.CauseSource.VERVAL, ""),
        "lainnya": (True, tc.CauseSource.VERVAL, "Usaha bangkrut"),
        "sakit_kronis": (False, tc.CauseSource.VERVAL, ""),
    }


@pytest.mark.django_db
def test_approval_creates_keeps_and_closes_needs(admin_dinsos, psm, officer_tembalang, assignment):
    household = assignment.household
    head = head_of(household)
    wheelchair = NeedInput(kind=c.NeedKind.ASSISTIVE_DEVICE, detail="kursi_roda", person_id=head.pk)
    food = NeedInput(kind=c.NeedKind.FOOD, note="Beras")
    first = submitted(psm, assignment, needs=[wheelchair, food])
    visit_approve(actor=officer_tembalang, visit=first)
    kept = Need.objects.get(household=household, kind=c.NeedKind.ASSISTIVE_DEVICE)
    assert (kept.person, kept.detail, kept.visit, kept.last_seen_visit) == (
        head, "kursi_roda", first, first,
    )  # fmt: skip
    assert Need.objects.get(household=household, kind=c.NeedKind.FOOD).note == "Beras"
    # The next campaign: the wheelchair is still needed, food no more, a house repair now.
    (again,) = _next_campaign_assignment(admin_dinsos, psm, household)
    second = submitted(
        psm, again, needs=[wheelchair, NeedInput(kind=c.NeedKind.HOUSE_REPAIR)],
        visited_at=dt.datetime(2025, 2, 10, 9, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    visit_approve(actor=officer_tembalang, visit=second)
    kept.refresh_from_db()
    assert (kept.status, kept.visit, kept.last_seen_visit) == (c.NeedStatus.OPEN, first, second)
    closed = Need.objects.get(household=household, kind=c.NeedKind.FOOD)
    assert closed.status == c.NeedStatus.CLOSED
    assert closed.closed_at is not None
    assert closed.closed_note == f"Tidak ditemukan lagi pada kunjungan {second.pk}."
    repair = Need.objects.get(household=household, kind=c.NeedKind.HOUSE_REPAIR)
    assert (repair.status, repair.visit) == (c.NeedStatus.OPEN, second)
    assert Need.objects.filter(household=household).count() == 3


def _next_campaign_assignment(admin, officer, household) -> list[Assignment]:
    from entas.verval.services import campaigns

    made = campaigns.campaign_create(
        actor=admin, name="Verval Februari 2025", starts_on=dt.date(2025, 2, 1),
        deadline=dt.date(2025, 2, 28),
    )  # fmt: skip
    campaigns.campaign_add_households(
        actor=admin, campaign=made, reasons={household.pk: c.ScopeReason.EXTREME}
    )
    campaigns.campaign_status_set(actor=admin, campaign=made, status=c.CampaignStatus.ACTIVE)
    campaigns.campaign_assign_balanced(actor=admin, campaign=made, officers=[officer])
    return list(Assignment.objects.filter(campaign=made))


@pytest.mark.django_db
def test_approval_records_the_finding(psm, officer_tembalang, assignment):
    visit = submitted(psm, assignment, outcome=c.Outcome.NOW_ABLE, note="Sudah bekerja")
    visit_approve(actor=officer_tembalang, visit=visit)
    finding = FieldFinding.objects.get(household=assignment.household)
    assert (finding.outcome, finding.source, finding.reference, finding.observed_on) == (
        c.Outcome.NOW_ABLE, tc.FindingSource.VERVAL, f"verval:{visit.pk}", dt.date(2025, 1, 20),
    )  # fmt: skip
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_graduated_family_found_eligible_raises_an_alert(psm, officer_tembalang, assignment):
    household = assignment.household
    period = targeting.period_create(
        actor=None, code="2024-S2", name="Semester II 2024", starts_on=dt.date(2024, 7, 1),
        ends_on=dt.date(2024, 12, 31),
    )  # fmt: skip
    rules = RuleSet.objects.order_by("pk").first()
    Graduation.objects.create(household=household, period=period, rules=rules)
    visit = submitted(psm, assignment)
    visit_approve(actor=officer_tembalang, visit=visit)
    alert = Alert.objects.get(household=household)
    assert (alert.kind, alert.source, alert.reference) == (
        tc.AlertKind.REAPPEARED, tc.AlertSource.VERVAL, f"verval:{visit.pk}",
    )  # fmt: skip
    assert "Semester II 2024" in alert.message
    assert assignment.campaign.name in alert.message


@pytest.mark.django_db
def test_registry_refusal_rolls_everything_back(psm, officer_tembalang, assignment):
    household = assignment.household
    child = members_of(household)[2]
    taken = head_of(make_household())
    visit = submitted(
        psm, assignment, causes=["phk"], welfare={"expenditure_per_capita": 1},
        member_changes=[
            MemberChangeInput(kind=c.MemberChange.MOVED_OUT, on=JAN_18, person_id=child.pk),
            _new_member(nik=taken.nik),
        ],
        needs=[NeedInput(kind=c.NeedKind.FOOD)],
    )  # fmt: skip
    persons, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(VervalError) as caught:
        visit_approve(actor=officer_tembalang, visit=visit)
    assert caught.value.code == "apply_failed"
    assert caught.value.message.startswith("Kunjungan tidak dapat disetujui: ")
    assert caught.value.message.endswith("Kembalikan ke petugas untuk diperbaiki.")
    child.refresh_from_db()
    assert child.status == rc.PersonStatus.ACTIVE
    assert Person.objects.count() == persons
    assert AuditEvent.objects.count() == events
    assert not FamilyCause.objects.filter(household=household).exists()
    assert not WelfareRecord.objects.filter(household=household).exists()
    assert not Need.objects.exists()
    assert not FieldFinding.objects.exists()
    visit.refresh_from_db()
    assignment.refresh_from_db()
    assert (visit.status, visit.reviewed_by) == (c.VisitStatus.SUBMITTED, None)
    assert assignment.status == c.AssignmentStatus.SUBMITTED
    returned = visit_return(actor=officer_tembalang, visit=visit, note="NIK sudah terdaftar")
    assert returned.status == c.VisitStatus.RETURNED


@pytest.mark.django_db
def test_visit_before_campaign_start_date_boundary(psm, assignment):
    at_start = dt.datetime.combine(STARTS, dt.time(1, 0), tzinfo=timezone.get_current_timezone())
    visit = submitted(psm, assignment, visited_at=at_start)
    assert visit.visited_at == at_start
    assert uuid.UUID(str(visit.client_id))
