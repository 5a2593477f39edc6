"""The referral lifecycle through its services: proposal checks, the OPD's decisions,
quotas and budgets when written, deliveries, outcomes, grants and the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.factories import head_of, make_household, members_of
from tests.verval.builders import assigned, kelurahan_officer, submitted

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Recommendation, Referral
from entas.interventions.selectors_referrals import programme_usage
from entas.interventions.services.referrals import (
    ReferralError,
    delivery_record,
    referral_accept,
    referral_cancel,
    referral_decline,
    referral_outcome,
    referral_propose,
    referral_schedule,
)
from entas.registry.models import HouseholdGrant
from entas.registry.selectors import household_scope
from entas.verval import choices as vc
from entas.verval.models import Need
from entas.verval.services.visits import NeedInput, visit_approve

from . import builders as b

S = c.ReferralStatus


def health_check(**fields):
    return b.programme("cek-kesehatan", b.dinkes(), name="Cek Kesehatan", **fields)


def propose(admin, programme, household=None, **fields):
    return referral_propose(
        actor=admin, period=b.period(), programme=programme,
        household=household or make_household(), **fields,
    )  # fmt: skip


def family_with_need(admin, reviewer) -> Need:
    psm = kelurahan_officer("psm_need")
    (assignment,) = assigned(admin, psm, members=3)
    visit = submitted(
        psm, assignment, needs=[NeedInput(kind=vc.NeedKind.CHRONIC_CARE, detail="hipertensi")]
    )
    visit_approve(actor=reviewer, visit=visit)
    return Need.objects.get(household=assignment.household)


# --- proposal ------------------------------------------------------------------------


@pytest.mark.django_db
def test_proposal_grants_the_opd_the_family_and_is_audited(admin_dinsos, opd_dinkes):
    programme = health_check(unit_cost=Decimal("150000"))
    household = make_household()
    referral = propose(admin_dinsos, programme, household, quantity=2)
    assert referral.status == S.PROPOSED
    assert referral.organization == b.dinkes()
    assert referral.amount == Decimal("300000")  # quantity × unit cost
    assert list(household_scope(opd_dinkes)) == [household]
    grant = HouseholdGrant.objects.get(household=household)
    assert grant.reference == f"referral:{referral.pk}"
    event = AuditEvent.objects.get(action="referral.propose")
    assert event.trail == f"household:{household.pk}"
    assert event.actor == admin_dinsos


@pytest.mark.django_db
def test_only_dinsos_proposes(opd_dinkes, regions):
    with pytest.raises(ReferralError) as error:
        propose(opd_dinkes, health_check())
    assert error.value.code == "forbidden"
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_inactive_programme_is_refused(admin_dinsos):
    with pytest.raises(ReferralError, match="tidak aktif"):
        propose(admin_dinsos, health_check(is_active=False))
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_second_live_referral_to_the_same_programme_is_refused(admin_dinsos):
    programme, household = health_check(), make_household()
    first = propose(admin_dinsos, programme, household)
    with pytest.raises(ReferralError, match="sudah dirujuk ke Cek Kesehatan"):
        propose(admin_dinsos, programme, household)
    referral_decline(actor=admin_dinsos, referral=first, reason="Sudah ada BPJS")
    again = propose(admin_dinsos, programme, household)  # a declined one is not live
    assert again.status == S.PROPOSED


@pytest.mark.django_db
def test_person_targeted_programme_needs_a_current_member(admin_dinsos):
    programme = health_check(target=c.Target.PERSON)
    household, stranger = make_household(), head_of(make_household())
    with pytest.raises(ReferralError, match="untuk perorangan: pilih anggota"):
        propose(admin_dinsos, programme, household)
    with pytest.raises(ReferralError, match="bukan anggota keluarga ini"):
        propose(admin_dinsos, programme, household, person=stranger)
    member = members_of(household)[1]
    referral = propose(admin_dinsos, programme, household, person=member)
    assert referral.person == member
    other_member = propose(admin_dinsos, programme, household, person=members_of(household)[2])
    assert other_member.status == S.PROPOSED  # one per member, not per family


@pytest.mark.django_db
def test_household_programme_refuses_a_member(admin_dinsos):
    household = make_household()
    with pytest.raises(ReferralError, match="untuk keluarga: jangan pilih anggota"):
        propose(admin_dinsos, health_check(), household, person=head_of(household))


@pytest.mark.django_db
def test_need_must_be_the_familys(admin_dinsos, officer_tembalang):
    need = family_with_need(admin_dinsos, officer_tembalang)
    with pytest.raises(ReferralError, match="bukan milik keluarga ini"):
        propose(admin_dinsos, health_check(), make_household(), need=need)
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_need_goes_only_to_a_programme_that_answers_its_kind(admin_dinsos, officer_tembalang):
    need = family_with_need(admin_dinsos, officer_tembalang)  # chronic care
    house_repair = b.programme("bedah-rumah", b.disperkim(), name="Bedah Rumah", needs=["rtlh"])
    with pytest.raises(ReferralError) as refused:
        propose(admin_dinsos, house_repair, need.household, need=need)
    assert refused.value.message == (
        "Program Bedah Rumah tidak menjawab kebutuhan “Perawatan penyakit kronis”."
    )
    assert not Referral.objects.exists()
    chronic = health_check(needs=[vc.NeedKind.CHRONIC_CARE])
    assert propose(admin_dinsos, chronic, need.household, need=need).need == need
    open_to_all = b.programme("kunjungan", b.dinkes(), name="Kunjungan Rumah")  # lists no needs
    assert propose(admin_dinsos, open_to_all, need.household, need=need).need == need


@pytest.mark.django_db
def test_excluded_programmes_are_refused_both_ways(admin_dinsos):
    blt = b.programme("blt", b.disperkim(), name="BLT Kota")
    pkh = b.programme("bantuan-pangan", b.disperkim(), name="Bantuan Pangan")
    blt.excludes.add(pkh)
    household = make_household()
    propose(admin_dinsos, blt, household)
    with pytest.raises(ReferralError) as error:
        propose(admin_dinsos, pkh, household)
    assert error.value.message == (
        "Keluarga ini sudah diusulkan/menerima BLT Kota, yang tidak boleh bersamaan dengan "
        "Bantuan Pangan."
    )
    other = make_household()
    propose(admin_dinsos, pkh, other)
    with pytest.raises(ReferralError, match="sudah diusulkan/menerima Bantuan Pangan"):
        propose(admin_dinsos, blt, other)
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_exclusion_for_persons_is_per_member(admin_dinsos):
    a = health_check(target=c.Target.PERSON)
    other = b.programme("pbi", b.dinkes(), name="PBI JKN", target=c.Target.PERSON)
    a.excludes.add(other)
    household = make_household()
    first, second = members_of(household)[:2]
    propose(admin_dinsos, a, household, person=first)
    with pytest.raises(ReferralError, match="tidak boleh bersamaan"):
        propose(admin_dinsos, other, household, person=first)
    assert propose(admin_dinsos, other, household, person=second).status == S.PROPOSED


@pytest.mark.django_db
def test_recommendation_is_marked_referred(admin_dinsos):
    programme, household = health_check(), make_household()
    recommendation = Recommendation.objects.create(
        period=b.period(), household=household, programme=programme
    )
    propose(admin_dinsos, programme, household, recommendation=recommendation)
    recommendation.refresh_from_db()
    assert recommendation.status == c.RecommendationStatus.REFERRED


# --- the OPD's decision --------------------------------------------------------------


@pytest.mark.django_db
def test_opd_accepts_its_own_referral_only(admin_dinsos, opd_dinkes, partner_csr):
    referral = propose(admin_dinsos, health_check())
    with pytest.raises(ReferralError, match="bukan untuk organisasi Anda"):
        referral_accept(actor=partner_csr, referral=referral)
    accepted = referral_accept(actor=opd_dinkes, referral=referral)
    assert accepted.status == S.ACCEPTED
    assert accepted.decided_by == opd_dinkes
    assert AuditEvent.objects.filter(action="referral.accept", actor=opd_dinkes).count() == 1


@pytest.mark.django_db
def test_quota_at_the_limit_and_one_over(admin_dinsos, opd_dinkes):
    programme = b.programme("bedah-rumah", b.dinkes(), name="Bedah Rumah", unit="unit")
    b.allocation(programme, b.period(), quota=3)
    first = propose(admin_dinsos, programme, quantity=2)
    second = propose(admin_dinsos, programme, quantity=1)
    third = propose(admin_dinsos, programme, quantity=1)
    referral_accept(actor=opd_dinkes, referral=first)
    referral_accept(actor=opd_dinkes, referral=second)  # exactly the quota
    with pytest.raises(ReferralError) as error:
        referral_accept(actor=opd_dinkes, referral=third)
    assert error.value.message == (
        "Kuota Bedah Rumah periode ini 3 unit; sudah terpakai 3. Rujukan ini memerlukan 1."
    )
    third.refresh_from_db()
    assert third.status == S.PROPOSED


@pytest.mark.django_db
def test_budget_at_the_limit_and_one_over(admin_dinsos, opd_dinkes):
    programme = health_check(unit_cost=Decimal("500000"))
    b.allocation(programme, b.period(), budget=Decimal("1000000"))
    first = propose(admin_dinsos, programme, quantity=2)
    over = propose(admin_dinsos, programme, amount=Decimal("1"))
    referral_accept(actor=opd_dinkes, referral=first)
    with pytest.raises(ReferralError) as error:
        referral_accept(actor=opd_dinkes, referral=over)
    assert error.value.message == (
        "Anggaran Cek Kesehatan periode ini Rp 1.000.000; sudah terpakai Rp 1.000.000. "
        "Rujukan ini memerlukan Rp 1."
    )


@pytest.mark.django_db
def test_decline_needs_a_reason_and_revokes_the_grant(admin_dinsos, opd_dinkes):
    referral = propose(admin_dinsos, health_check())
    with pytest.raises(ReferralError, match="Tulis alasan penolakan"):
        referral_decline(actor=opd_dinkes, referral=referral, reason="  ")
    assert household_scope(opd_dinkes).count() == 1
    declined = referral_decline(actor=opd_dinkes, referral=referral, reason="Di luar sasaran")
    assert (declined.status, declined.decline_reason) == (S.DECLINED, "Di luar sasaran")
    assert not household_scope(opd_dinkes).exists()
    assert AuditEvent.objects.get(action="referral.decline").reason == "Di luar sasaran"
    with pytest.raises(ReferralError, match="tidak dapat menjadi"):
        referral_accept(actor=opd_dinkes, referral=referral)


@pytest.mark.django_db
def test_transitions_follow_the_table(admin_dinsos, opd_dinkes):
    referral = propose(admin_dinsos, health_check())
    today = timezone.localdate()
    with pytest.raises(ReferralError, match="“Diusulkan” tidak dapat menjadi “Dijadwalkan”"):
        referral_schedule(actor=opd_dinkes, referral=referral, scheduled_on=today)
    with pytest.raises(ReferralError, match="tidak dapat menjadi"):
        delivery_record(
            actor=opd_dinkes, referral=referral, delivered_on=today, quantity=1, amount=None,
            evidence="TT-1",
        )  # fmt: skip
    with pytest.raises(ReferralError, match="tidak dapat menjadi"):
        referral_outcome(actor=opd_dinkes, referral=referral, outcome=c.Outcome.HELPED)
    referral_accept(actor=opd_dinkes, referral=referral)
    scheduled = referral_schedule(actor=opd_dinkes, referral=referral, scheduled_on=today)
    assert (scheduled.status, scheduled.scheduled_on) == (S.SCHEDULED, today)
    with pytest.raises(ReferralError, match="tidak dapat menjadi"):
        referral_decline(actor=opd_dinkes, referral=referral, reason="terlambat")


@pytest.mark.django_db
def test_schedule_not_before_the_proposal(admin_dinsos, opd_dinkes):
    referral = referral_accept(actor=opd_dinkes, referral=propose(admin_dinsos, health_check()))
    with pytest.raises(ReferralError, match="sebelum tanggal usulan"):
        referral_schedule(actor=opd_dinkes, referral=referral, scheduled_on=dt.date(2000, 1, 1))


# --- delivery and outcome ------------------------------------------------------------


def accepted(admin, opd, programme, **fields):
    return referral_accept(actor=opd, referral=propose(admin, programme, **fields))


@pytest.mark.django_db
def test_delivery_date_quantity_and_evidence_are_checked(admin_dinsos, opd_dinkes):
    referral = accepted(admin_dinsos, opd_dinkes, health_check())
    today = timezone.localdate()
    cases = [
        ({"delivered_on": today + dt.timedelta(days=1)}, "masa depan"),
        ({"delivered_on": dt.date(2000, 1, 1)}, "sebelum tanggal usulan"),
        ({"quantity": 0}, "Isi jumlah atau nilai"),
        ({"evidence": " "}, "Catat bukti penyaluran"),
    ]
    for change, message in cases:
        values = {"delivered_on": today, "quantity": 1, "amount": None, "evidence": "TT-1"}
        values.update(change)
        with pytest.raises(ReferralError, match=message):
            delivery_record(actor=opd_dinkes, referral=referral, **values)
    assert not Delivery.objects.exists()
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED


@pytest.mark.django_db
def test_delivery_rechecks_the_budget_with_what_was_delivered(admin_dinsos, opd_dinkes):
    programme = health_check(unit_cost=Decimal("100000"))
    b.allocation(programme, b.period(), budget=Decimal("300000"))
    one = accepted(admin_dinsos, opd_dinkes, programme)
    two = accepted(admin_dinsos, opd_dinkes, programme)
    today = timezone.localdate()
    delivery_record(
        actor=opd_dinkes,
        referral=one,
        delivered_on=today,
        quantity=1,
        amount=Decimal("200000"),
        evidence="TT-1",
    )  # fmt: skip — 100,000 more than planned, still within 300,000
    assert programme_usage(programme_id=programme.pk, period_id=b.period().pk).amount == Decimal(
        "300000"
    )
    with pytest.raises(ReferralError, match="sudah terpakai Rp 200.000"):
        delivery_record(
            actor=opd_dinkes, referral=two, delivered_on=today, quantity=1,
            amount=Decimal("100001"), evidence="TT-2",
        )  # fmt: skip
    assert Delivery.objects.count() == 1
    delivery = delivery_record(
        actor=opd_dinkes, referral=two, delivered_on=today, quantity=1, amount=None,
        evidence="TT-2",
    )  # fmt: skip
    assert delivery.amount == Decimal("100000")
    two.refresh_from_db()
    assert two.status == S.DELIVERED


@pytest.mark.django_db
def test_helpful_outcome_meets_the_need(admin_dinsos, officer_tembalang, opd_dinkes):
    need = family_with_need(admin_dinsos, officer_tembalang)
    referral = accepted(admin_dinsos, opd_dinkes, health_check(), household=need.household,
                        need=need)  # fmt: skip
    delivery_record(
        actor=opd_dinkes, referral=referral, delivered_on=timezone.localdate(), quantity=1,
        amount=None, evidence="TT-9",
    )  # fmt: skip
    closed = referral_outcome(
        actor=opd_dinkes, referral=referral, outcome=c.Outcome.HELPED, note="Sudah diperiksa"
    )
    assert (closed.status, closed.outcome) == (S.CLOSED, c.Outcome.HELPED)
    need.refresh_from_db()
    assert need.status == vc.NeedStatus.MET
    assert need.closed_at is not None
    assert need.closed_note == f"Terpenuhi oleh Cek Kesehatan (rujukan {referral.pk})"
    assert AuditEvent.objects.filter(
        action="verval.need_close", trail=f"household:{need.household_id}"
    )
    actions = list(
        AuditEvent.objects.filter(action__startswith="referral.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "referral.propose",
        "referral.accept",
        "referral.deliver",
        "referral.outcome",
    ]


@pytest.mark.django_db
def test_partial_outcome_leaves_the_need_open(admin_dinsos, officer_tembalang, opd_dinkes):
    need = family_with_need(admin_dinsos, officer_tembalang)
    referral = accepted(admin_dinsos, opd_dinkes, health_check(), household=need.household,
                        need=need)  # fmt: skip
    delivery_record(
        actor=opd_dinkes, referral=referral, delivered_on=timezone.localdate(), quantity=1,
        amount=None, evidence="TT-9",
    )  # fmt: skip
    referral_outcome(actor=opd_dinkes, referral=referral, outcome=c.Outcome.PARTLY)
    need.refresh_from_db()
    assert need.status == vc.NeedStatus.OPEN


@pytest.mark.django_db
def test_cancel_by_dinsos_revokes_the_grant(admin_dinsos, opd_dinkes):
    referral = accepted(admin_dinsos, opd_dinkes, health_check())
    with pytest.raises(ReferralError, match="Hanya petugas Dinas Sosial"):
        referral_cancel(actor=opd_dinkes, referral=referral, reason="x")
    with pytest.raises(ReferralError, match="Tulis alasan pembatalan"):
        referral_cancel(actor=admin_dinsos, referral=referral, reason="")
    referral.refresh_from_db()
    assert (referral.status, referral.cancel_reason) == (S.ACCEPTED, "")  # refusals wrote nothing
    referral_cancel(actor=admin_dinsos, referral=referral, reason="  Pindah kota ")
    cancelled = Referral.objects.get(pk=referral.pk)
    assert (cancelled.status, cancelled.cancel_reason) == (S.CANCELLED, "Pindah kota")
    assert not household_scope(opd_dinkes).exists()
    assert AuditEvent.objects.get(action="referral.cancel").reason == "Pindah kota"


@pytest.mark.django_db
def test_the_cancel_reason_is_shown_on_the_referral_page(admin_dinsos, client_for):
    referral = propose(admin_dinsos, health_check())
    referral_cancel(actor=admin_dinsos, referral=referral, reason="Data ganda dengan KK lain")

    page = client_for(admin_dinsos).get(
        reverse("interventions:referral_detail", args=[referral.pk])
    )

    assert page.status_code == 200
    assert "Alasan pembatalan" in page.text
    assert "Data ganda dengan KK lain" in page.text
