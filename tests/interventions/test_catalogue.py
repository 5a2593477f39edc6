"""The programme catalogue services: programmes, allocations, dismissals, the example data."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from tests.interventions import builders as b
from tests.targeting.builders import household, june

from entas.accounts.models import Organization
from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions import defaults
from entas.interventions.eligibility import eligibility_validate
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.interventions.services.catalogue import (
    CatalogueError,
    ProgrammeData,
    allocation_set,
    catalogue_load,
    programme_create,
    programme_update,
    recommendation_dismiss,
)
from entas.targeting import choices as tc
from entas.targeting import services as targeting

WHEELCHAIRS = [
    {"field": "need.kind", "op": "in", "value": ["alat_bantu"]},
    {"field": "person.disability", "op": "is", "value": True},
]


def data(**fields) -> ProgrammeData:
    values = {
        "name": "Alat bantu disabilitas",
        "owner": b.organization("dinsos", "Dinas Sosial", "dinsos"),
        "kind": c.ProgrammeKind.IN_KIND,
        "strategy": c.Strategy.REDUCE_BURDEN,
        "target": c.Target.PERSON,
        "needs": ["alat_bantu"],
        "eligibility": WHEELCHAIRS,
        "unit": "unit",
        "unit_cost": Decimal(1_500_000),
    }
    values.update(fields)
    return ProgrammeData(**values)


@pytest.mark.django_db
def test_a_programme_is_created_with_its_exclusions_both_ways_and_audited(admin_dinsos):
    cash = b.programme("santunan", b.organization("baznas", "Baznas", "partner"))

    made = programme_create(actor=admin_dinsos, code="alat-bantu", data=data(excludes=[cash]))

    assert made.eligibility == WHEELCHAIRS
    assert list(cash.excludes.all()) == [made]
    event = AuditEvent.objects.get(action="programme_create")
    assert event.actor == admin_dinsos
    assert event.changes["after"]["excludes"] == ["santunan"]
    assert event.changes["after"]["unit_cost"] == "1500000.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        ({"name": " "}, ["Nama program wajib diisi."]),
        ({"unit_cost": Decimal(-1)}, ["Biaya per satuan tidak boleh negatif."]),
        ({"needs": ["alat_bantu", "mobil"]}, ["Kebutuhan tidak dikenal: mobil."]),
        ({"kind": "hibah"}, ["Jenis hibah tidak dikenal."]),
        (
            {"eligibility": [{"field": "person.age", "op": "gte", "value": "enam"}]},
            ["Syarat ke-1 (person.age): nilainya harus angka."],
        ),
        (
            {"needs": []},
            [
                "Syarat kebutuhan alat_bantu harus juga dicentang pada kebutuhan yang dijawab"
                " program."
            ],
        ),
        (
            {
                "eligibility": [
                    {
                        "any": [
                            {"field": "need.kind", "op": "eq", "value": "alat_bantu"},
                            {"field": "need.kind", "op": "in", "value": ["pangan", "kb"]},
                        ]
                    }
                ]
            },
            [
                "Syarat kebutuhan kb, pangan harus juga dicentang pada kebutuhan yang dijawab"
                " program."
            ],
        ),
    ],
)
def test_a_bad_programme_is_refused_with_reasons_and_nothing_is_written(
    admin_dinsos, fields, messages
):
    with pytest.raises(CatalogueError) as refused:
        programme_create(actor=admin_dinsos, code="alat-bantu", data=data(**fields))

    assert refused.value.messages == messages
    assert not Programme.objects.exists()
    assert not AuditEvent.objects.filter(action="programme_create").exists()


@pytest.mark.django_db
def test_codes_are_unique_and_owners_are_agencies_or_partners(admin_dinsos):
    programme_create(actor=admin_dinsos, code="alat-bantu", data=data())
    leadership = b.organization("bappeda", "Bappeda", "leadership")

    with pytest.raises(CatalogueError) as refused:
        programme_create(actor=admin_dinsos, code="alat-bantu", data=data(owner=leadership))

    assert refused.value.messages == [
        "Kode program alat-bantu sudah dipakai.",
        "Pelaksana harus Dinas Sosial, OPD atau mitra.",
    ]


@pytest.mark.django_db
def test_an_update_records_what_changed_and_refuses_excluding_itself(admin_dinsos):
    made = programme_create(actor=admin_dinsos, code="alat-bantu", data=data())

    programme_update(actor=admin_dinsos, programme=made, data=data(unit_cost=Decimal(2_000_000)))
    with pytest.raises(CatalogueError) as refused:
        programme_update(actor=admin_dinsos, programme=made, data=data(excludes=[made]))

    made.refresh_from_db()
    assert made.unit_cost == Decimal(2_000_000)
    assert refused.value.messages == ["Program tidak dapat mengecualikan dirinya sendiri."]
    event = AuditEvent.objects.get(action="programme_update")
    assert event.changes == {"unit_cost": ["1500000.00", "2000000.00"]}


@pytest.mark.django_db
def test_an_allocation_is_set_then_changed_and_never_below_committed_use(admin_dinsos):
    programme = b.programme("alat-bantu", b.organization("dinsos", "Dinas Sosial", "dinsos"))
    period = b.period()

    allocation_set(
        actor=admin_dinsos, programme=programme, period=period, quota=10, budget="15000000"
    )
    Referral.objects.create(
        period=period, programme=programme, organization=programme.owner,
        household=household(expenditure=300_000), status=c.ReferralStatus.ACCEPTED, quantity=4,
        amount=Decimal(6_000_000), proposed_by=admin_dinsos,
    )  # fmt: skip
    with pytest.raises(CatalogueError) as refused:
        allocation_set(actor=admin_dinsos, programme=programme, period=period, quota=3, budget=5)
    allocation_set(actor=admin_dinsos, programme=programme, period=period, quota=4, budget=None)

    allocation = ProgrammeAllocation.objects.get()
    assert (allocation.quota, allocation.budget) == (4, None)
    assert refused.value.messages == [
        "Kuota 3 lebih kecil dari 4 satuan yang sudah disetujui.",
        "Anggaran lebih kecil dari Rp6.000.000 yang sudah disetujui.",
    ]
    assert AuditEvent.objects.filter(action="allocation_set").count() == 2


@pytest.mark.django_db
def test_an_allocation_refuses_bad_numbers_and_takes_a_frozen_period(admin_dinsos):
    programme = b.programme("alat-bantu", b.organization("dinsos", "Dinas Sosial", "dinsos"))
    period = b.period()

    with pytest.raises(CatalogueError) as refused:
        allocation_set(actor=admin_dinsos, programme=programme, period=period, quota=-1, budget="x")
    assert refused.value.messages == ["Anggaran harus berupa angka rupiah."]
    assert not ProgrammeAllocation.objects.exists()

    period.state = tc.PeriodState.FROZEN  # the list is fixed; help is planned on it
    period.save(update_fields=["state"])
    allocation_set(actor=admin_dinsos, programme=programme, period=period, quota=3, budget=9)
    allocation = ProgrammeAllocation.objects.get()
    assert (allocation.quota, allocation.budget) == (3, Decimal(9))


@pytest.mark.django_db
def test_a_recommendation_is_dismissed_once_with_a_reason(admin_dinsos):
    programme = b.programme("blt", b.organization("dinsos", "Dinas Sosial", "dinsos"))
    period = june()
    family = household(expenditure=300_000)
    targeting.period_classify(actor=None, period=period)
    recommendation = Recommendation.objects.create(
        period=period, household=family, programme=programme, reasons=["x"]
    )

    with pytest.raises(CatalogueError) as no_reason:
        recommendation_dismiss(actor=admin_dinsos, recommendation=recommendation, reason=" ")
    recommendation_dismiss(actor=admin_dinsos, recommendation=recommendation, reason="pindah")
    with pytest.raises(CatalogueError) as again:
        recommendation_dismiss(actor=admin_dinsos, recommendation=recommendation, reason="lagi")

    recommendation.refresh_from_db()
    assert recommendation.status == c.RecommendationStatus.DISMISSED
    assert recommendation.dismiss_reason == "pindah"  # the first reason; the refusal kept it
    assert no_reason.value.messages == ["Alasan wajib diisi."]
    assert again.value.messages == ["Rekomendasi ini sudah tidak baru lagi."]
    event = AuditEvent.objects.get(action="recommendation_dismiss")
    assert (event.reason, event.trail) == ("pindah", f"household:{family.pk}")


def test_every_example_programme_has_valid_conditions():
    for row in defaults.programme_rows():
        assert eligibility_validate(row["eligibility"]) == [], row["code"]


@pytest.mark.django_db
def test_the_example_catalogue_loads_once_and_again_without_changes(regions):
    first = catalogue_load(actor=None)
    audited = AuditEvent.objects.count()
    second = catalogue_load(actor=None)

    assert first == {
        "organizations_created": 12, "organizations_updated": 0,
        "programmes_created": 19, "programmes_updated": 0,
    }  # fmt: skip
    assert second == {
        "organizations_created": 0, "organizations_updated": 12,
        "programmes_created": 0, "programmes_updated": 19,
    }  # fmt: skip
    assert AuditEvent.objects.count() == audited  # nothing changed, nothing to record
    blt = Programme.objects.get(code="blt-daerah")
    assert [p.code for p in blt.excludes.all()] == ["santunan-baznas"]
    assert [p.code for p in Programme.objects.get(code="santunan-baznas").excludes.all()] == [
        "blt-daerah"
    ]
    assert Organization.objects.get(code="dinkes").programmes.count() == 4


@pytest.mark.django_db
def test_the_load_programmes_command_prints_its_counts(regions, capsys):
    Organization.objects.create(code="dinkes", name="Dinkes lama", kind="opd")

    call_command("load_programmes")

    counts = json.loads(capsys.readouterr().out)
    assert (counts["organizations_created"], counts["organizations_updated"]) == (11, 1)
    assert Organization.objects.get(code="dinkes").name == "Dinas Kesehatan"
