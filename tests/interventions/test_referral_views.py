"""The referral pages over HTTP: each OPD's own queue with only the fields it needs,
404 across organisations, the lifecycle forms and Dinsos' proposal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.factories import head_of, make_household

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Recommendation, Referral
from entas.interventions.services.referrals import referral_accept, referral_propose
from entas.registry import choices as rc
from entas.registry import services as registry
from entas.targeting.causes import cause_set

from . import builders as b

S = c.ReferralStatus


def refer(admin, programme, household=None, **fields) -> Referral:
    return referral_propose(
        actor=admin, period=b.period(), programme=programme,
        household=household or make_household(), **fields,
    )  # fmt: skip


def queue(client, **params):
    return client.get(reverse("interventions:referral_queue"), params)


def detail_url(referral: Referral) -> str:
    return reverse("interventions:referral_detail", args=[referral.pk])


@pytest.fixture
def dinkes_and_disperkim(admin_dinsos):
    health = b.programme("cek-kesehatan", b.dinkes(), name="Cek Kesehatan", unit="kali")
    housing = b.programme("bedah-rumah", b.disperkim(), name="Bedah Rumah", unit="unit")
    return health, housing


@pytest.mark.django_db
def test_queue_shows_only_the_organisations_referrals(
    admin_dinsos, opd_dinkes, client_for, dinkes_and_disperkim
):
    health, housing = dinkes_and_disperkim
    ours = refer(admin_dinsos, health, make_household(surname="Sehat"))
    refer(admin_dinsos, housing, make_household(surname="Rumah"))
    response = queue(client_for(opd_dinkes))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.referral for row in rows] == [ours]
    assert rows[0].name == head_of(ours.household).full_name
    assert "Bedah Rumah" not in response.content.decode()
    admin_rows = queue(client_for(admin_dinsos)).context["rows"]
    assert len(admin_rows) == 2
    dinkes_only = queue(client_for(admin_dinsos), organization=b.dinkes().pk).context["rows"]
    assert [row.referral for row in dinkes_only] == [ours]


@pytest.mark.django_db
def test_queue_tabs_and_filters(admin_dinsos, opd_dinkes, client_for, dinkes_and_disperkim):
    health, _housing = dinkes_and_disperkim
    other = b.programme("pbi", b.dinkes(), name="PBI JKN")
    fresh = refer(admin_dinsos, health)
    taken = referral_accept(actor=opd_dinkes, referral=refer(admin_dinsos, health))
    elsewhere = refer(admin_dinsos, other, make_household(kelurahan_code="33.74.10.1002"))
    client = client_for(opd_dinkes)
    response = queue(client)
    assert [r.referral for r in response.context["rows"]] == [fresh, elsewhere]
    counts = {tab["key"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {
        "baru": 2, "diterima": 1, "dijadwalkan": 0, "tersalurkan": 0, "selesai": 0,
        "ditutup": 0,
    }  # fmt: skip
    accepted = queue(client, tab="diterima").context["rows"]
    assert [r.referral.pk for r in accepted] == [taken.pk]
    by_programme = queue(client, programme=other.pk).context["rows"]
    assert [r.referral for r in by_programme] == [elsewhere]
    by_kelurahan = queue(client, kelurahan="33.74.10.1002").context["rows"]
    assert [r.referral for r in by_kelurahan] == [elsewhere]


@pytest.mark.django_db
def test_rows_show_only_what_the_opd_needs(admin_dinsos, opd_dinkes, client_for):
    household = make_household(address="Jl. Kenanga 5", rt="003", rw="007")
    cause_set(actor=admin_dinsos, household=household, cause="phk", present=True)
    registry.welfare_record(
        actor=None, household=household, as_of=dt.date(2025, 1, 15), source=rc.Source.DTSEN,
        values={"expenditure_per_capita": 312345, "desil": 1,
                "desil_source": rc.DesilSource.DTSEN_NATIONAL},
    )  # fmt: skip
    pbi = b.programme("pbi", b.disperkim(), name="Program Lain Rahasia")
    refer(admin_dinsos, pbi, household)
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek Kesehatan"), household)
    client = client_for(opd_dinkes)
    for response in (queue(client), client.get(detail_url(referral))):
        text = response.content.decode()
        assert "Jl. Kenanga 5 RT 003/RW 007" in text
        assert household.kelurahan.name in text
        assert "Cek Kesehatan" in text
        assert head_of(household).nik in text  # OPD officers may see full NIK (ADR 0004)
        for hidden in ("312345", "312.345", "Desil", "desil", "Program Lain Rahasia", "PHK"):
            assert hidden not in text, hidden


@pytest.mark.django_db
def test_another_organisation_gets_404(admin_dinsos, opd_dinkes, partner_csr, client_for):
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek"))
    client = client_for(partner_csr)
    assert client.get(detail_url(referral)).status_code == 404
    accept = reverse("interventions:referral_accept", args=[referral.pk])
    assert client.post(accept).status_code == 404
    referral.refresh_from_db()
    assert referral.status == S.PROPOSED
    assert client_for(opd_dinkes).get(detail_url(referral)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("admin_dinsos", 200), ("opd_dinkes", 200), ("partner_csr", 200),
        ("officer_tembalang", 403), ("leader", 403), ("auditor", 403),
    ],
)  # fmt: skip
def test_who_may_open_a_queue(cast, client_for, user, status):
    assert queue(client_for(cast[user])).status_code == status


@pytest.mark.django_db
def test_opening_a_referral_is_logged(admin_dinsos, opd_dinkes, client_for):
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek"))
    client_for(opd_dinkes).get(detail_url(referral))
    event = AuditEvent.objects.get(action="household.view", actor=opd_dinkes)
    assert event.trail == f"household:{referral.household_id}"


@pytest.mark.django_db
def test_accept_then_deliver_through_the_forms(admin_dinsos, opd_dinkes, client_for):
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek"))
    client = client_for(opd_dinkes)
    response = client.post(reverse("interventions:referral_accept", args=[referral.pk]))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    today = timezone.localdate().isoformat()
    deliver = reverse("interventions:referral_deliver", args=[referral.pk])
    response = client.post(
        deliver, {"delivered_on": today, "quantity": "1", "amount": "", "evidence": "TT-77"}
    )
    assert response.status_code == 302
    assert Delivery.objects.get(referral=referral).evidence == "TT-77"


@pytest.mark.django_db
def test_decline_without_reason_shows_the_message(admin_dinsos, opd_dinkes, client_for):
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek"))
    decline = reverse("interventions:referral_decline", args=[referral.pk])
    response = client_for(opd_dinkes).post(decline, {"reason": "   "})
    assert response.status_code == 400
    assert "Tulis alasan penolakan." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == S.PROPOSED


@pytest.mark.django_db
def test_delivery_error_keeps_the_typed_values(admin_dinsos, opd_dinkes, client_for):
    programme = b.programme("cek", b.dinkes(), name="Cek Kesehatan", unit="kali")
    b.allocation(programme, b.period(), budget=Decimal("100000"))
    referral = referral_accept(actor=opd_dinkes, referral=refer(admin_dinsos, programme))
    today = timezone.localdate().isoformat()
    response = client_for(opd_dinkes).post(
        reverse("interventions:referral_deliver", args=[referral.pk]),
        {"delivered_on": today, "quantity": "2", "amount": "250000", "evidence": "Kuitansi 12"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert (
        "Anggaran Cek Kesehatan periode ini Rp 100.000; sudah terpakai Rp 0. "
        "Rujukan ini memerlukan Rp 250.000." in text
    )
    form = response.context["forms"]["deliver"]
    assert form.data["evidence"] == "Kuitansi 12"
    assert 'value="Kuitansi 12"' in text
    assert 'value="250000"' in text
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_opd_may_not_cancel(admin_dinsos, opd_dinkes, client_for):
    referral = refer(admin_dinsos, b.programme("cek", b.dinkes(), name="Cek"))
    cancel = reverse("interventions:referral_cancel", args=[referral.pk])
    assert client_for(opd_dinkes).post(cancel, {"reason": "x"}).status_code == 403
    assert client_for(admin_dinsos).post(cancel, {"reason": "Data ganda"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.CANCELLED


@pytest.mark.django_db
def test_dinsos_proposes_from_a_family(admin_dinsos, client_for):
    programme = b.programme("cek", b.dinkes(), name="Cek Kesehatan")
    household = make_household()
    b.period()
    url = reverse("interventions:referral_propose")
    client = client_for(admin_dinsos)
    assert client.get(url, {"keluarga": household.pk, "program": programme.pk}).status_code == 200
    response = client.post(
        url,
        {"keluarga": household.pk, "period": b.period().pk, "programme": programme.pk,
         "quantity": "1", "note": "Tolong segera"},
    )  # fmt: skip
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(referral)
    assert (referral.household, referral.note) == (household, "Tolong segera")


@pytest.mark.django_db
def test_proposal_error_keeps_values(admin_dinsos, client_for):
    programme = b.programme("pbi", b.dinkes(), name="PBI JKN", target=c.Target.PERSON)
    household = make_household()
    response = client_for(admin_dinsos).post(
        reverse("interventions:referral_propose"),
        {"keluarga": household.pk, "period": b.period().pk, "programme": programme.pk,
         "quantity": "3", "note": "Catatan saya"},
    )  # fmt: skip
    assert response.status_code == 400
    text = response.content.decode()
    assert "Program PBI JKN untuk perorangan: pilih anggota keluarga." in text
    assert "Catatan saya" in text
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_dinsos_proposes_from_a_recommendation(admin_dinsos, client_for):
    programme = b.programme("cek", b.dinkes(), name="Cek Kesehatan")
    household = make_household()
    recommendation = Recommendation.objects.create(
        period=b.period(), household=household, programme=programme
    )
    url = reverse("interventions:referral_propose")
    client = client_for(admin_dinsos)
    page = client.get(url, {"rekomendasi": recommendation.pk})
    assert page.context["form"].initial["programme"] == programme.pk
    response = client.post(
        url,
        {"rekomendasi": recommendation.pk, "period": b.period().pk, "programme": programme.pk,
         "quantity": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == c.RecommendationStatus.REFERRED


@pytest.mark.django_db
def test_only_dinsos_opens_the_proposal(opd_dinkes, client_for):
    household = make_household()
    response = client_for(opd_dinkes).get(
        reverse("interventions:referral_propose"), {"keluarga": household.pk}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_queue_queries_do_not_grow_with_rows(admin_dinsos, opd_dinkes, client_for):
    programme = b.programme("cek", b.dinkes(), name="Cek")
    refer(admin_dinsos, programme)
    client = client_for(opd_dinkes)
    queue(client)  # the first request of a session reads more (the session's own rows)
    with CaptureQueriesContext(connection) as one:
        queue(client)
    for _ in range(4):
        refer(admin_dinsos, programme)
    with CaptureQueriesContext(connection) as five:
        assert len(queue(client).context["rows"]) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
