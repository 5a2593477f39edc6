"""Recommendations: which programmes fit each family (member) of a period, and why."""

import datetime as dt

import pytest
from django.core.management import call_command
from tests.factories import members_of
from tests.interventions import builders as b
from tests.targeting.builders import household, june
from tests.verval.builders import assigned, kelurahan_officer, submitted

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Recommendation, Referral
from entas.interventions.recommendations import recommendations_run
from entas.interventions.services.catalogue import recommendation_dismiss
from entas.registry import choices as rc
from entas.registry.models import Household
from entas.registry.services.persons import person_update
from entas.registry.services.welfare import programme_receipt_record
from entas.targeting import services as targeting
from entas.targeting.models import Period
from entas.verval.choices import NeedKind
from entas.verval.models import Need
from entas.verval.services.visits import NeedInput, visit_approve

EXTREME, POOR, VULNERABLE = 300_000, 500_000, 700_000  # rupiah/person/month vs June 2025 lines
EXTREME_ONLY = [{"field": "household.status", "op": "in", "value": ["ekstrem"]}]


def classified() -> Period:
    period = june()
    targeting.period_classify(actor=None, period=period)
    return period


def rows(period: Period, programme=None) -> list[tuple]:
    found = Recommendation.objects.filter(period=period)
    if programme is not None:
        found = found.filter(programme=programme)
    return sorted(found.values_list("household_id", "person_id", "need_id", "status"))


def visited(admin, needs_of=lambda members: [], members: int = 3) -> Household:
    """A family found eligible (so: ekstrem) by an approved visit that recorded needs."""
    officer = kelurahan_officer(f"psm{Household.objects.count()}")
    (assignment,) = assigned(admin, officer, members=members)
    family = assignment.household
    visit = submitted(officer, assignment, needs=needs_of(members_of(family)))
    visit_approve(actor=admin, visit=visit)
    return family


@pytest.mark.django_db
def test_a_family_programme_is_recommended_to_the_families_its_conditions_fit(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    b.programme("blt-daerah", dinsos, eligibility=EXTREME_ONLY)
    extreme, poor, vulnerable = (
        household(expenditure=value) for value in (EXTREME, POOR, VULNERABLE)
    )
    period = classified()

    result = recommendations_run(actor=None, period=period)

    assert result.households == 2  # ekstrem and miskin families are considered; rentan not
    assert result.per_programme == {"blt-daerah": 1}
    assert rows(period) == [(extreme.pk, None, None, c.RecommendationStatus.OPEN)]
    assert Recommendation.objects.get().reasons == ["status keluarga pada periode: Miskin ekstrem"]
    assert not Recommendation.objects.filter(household__in=[poor, vulnerable]).exists()


@pytest.mark.django_db
def test_a_person_programme_gives_one_row_per_member_who_fits(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    elderly = b.programme(
        "permakanan",
        dinsos,
        target=c.Target.PERSON,
        eligibility=[{"field": "person.age", "op": "gte", "value": 60}],
    )
    family = household(expenditure=EXTREME, members=6)  # members born 1968 … 2012, and 1940
    grandmother = members_of(family)[5]
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, elderly) == [(family.pk, grandmother.pk, None, "baru")]
    assert Recommendation.objects.get().reasons == ["usia anggota ≥ 60 tahun"]


@pytest.mark.django_db
def test_person_conditions_on_a_family_programme_need_one_member_meeting_all(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    conditions = [
        {"field": "person.age", "op": "between", "value": [18, 55]},
        {"field": "person.is_working", "op": "is", "value": False},
    ]
    programme = b.programme("padat-karya", dinsos, eligibility=conditions)
    idle, working = household(expenditure=EXTREME), household(expenditure=EXTREME)
    # Members aged on 30 June 2025: 57, 52, 26. Only the 26-year-old is of age.
    for family, is_working in ((idle, False), (working, True)):
        person_update(
            actor=None,
            person=members_of(family)[2],
            values={"is_working": is_working},
            reason="uji",
        )
    person_update(
        actor=None, person=members_of(working)[0], values={"is_working": False}, reason="uji"
    )
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, programme) == [(idle.pk, None, None, "baru")]


@pytest.mark.django_db
def test_a_need_condition_links_the_open_need_and_says_so(regions, admin_dinsos):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    devices = b.programme(
        "alat-bantu",
        dinsos,
        target=c.Target.PERSON,
        needs=[NeedKind.ASSISTIVE_DEVICE],
        eligibility=[
            {"field": "need.kind", "op": "in", "value": ["alat_bantu"]},
            {"field": "person.disability", "op": "is", "value": True},
        ],
    )

    def wheelchair_for_child(members):
        return [
            NeedInput(kind=NeedKind.ASSISTIVE_DEVICE, detail="kursi_roda", person_id=members[2].pk)
        ]

    family = visited(admin_dinsos, wheelchair_for_child)
    child = members_of(family)[2]
    mother = members_of(family)[1]
    for person in (child, mother):  # both disabled; the need names the child
        person_update(actor=None, person=person, values={"difficulty_walking": 1}, reason="uji")
    without_need = visited(admin_dinsos)
    person_update(
        actor=None,
        person=members_of(without_need)[0],
        values={"difficulty_walking": 1},
        reason="uji",
    )
    need = Need.objects.get(household=family)
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, devices) == [(family.pk, child.pk, need.pk, "baru")]
    assert Recommendation.objects.get().reasons == [
        "kebutuhan tercatat: Alat bantu disabilitas",
        "anggota penyandang disabilitas",
        "kebutuhan hasil verval: Alat bantu disabilitas (Kursi roda)",
    ]


@pytest.mark.django_db
def test_a_programme_answering_a_need_links_it_when_there_is_one(regions, admin_dinsos):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    food = b.programme("pangan", dinsos, needs=[NeedKind.FOOD], eligibility=EXTREME_ONLY)
    hungry = visited(admin_dinsos, lambda members: [NeedInput(kind=NeedKind.FOOD)])
    other = visited(admin_dinsos, lambda members: [NeedInput(kind=NeedKind.SKILLS_TRAINING)])
    need = Need.objects.get(household=hungry)
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, food) == [
        (hungry.pk, None, need.pk, "baru"),
        (other.pk, None, None, "baru"),
    ]


@pytest.mark.django_db
def test_national_receipts_and_housing_data_decide(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    conditions = [
        {"field": "household.receives", "op": "not_in", "value": ["pkh"]},
        {"field": "welfare.floor_type", "op": "in", "value": ["tanah"]},
    ]
    programme = b.programme("rumah", dinsos, eligibility=conditions)
    earth, with_pkh, _ceramic = (
        household(expenditure=EXTREME, floor_type=floor) for floor in ("tanah", "tanah", "keramik")
    )
    programme_receipt_record(
        actor=None,
        household=with_pkh,
        programme="pkh",
        source=rc.Source.DTSEN,
        as_of=dt.date(2025, 1, 1),
    )
    household(expenditure=EXTREME)  # no housing data: never fits a floor rule
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, programme) == [(earth.pk, None, None, "baru")]


@pytest.mark.django_db
def test_a_run_replaces_open_rows_keeps_decided_ones_and_skips_live_referrals(
    regions, admin_dinsos
):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    blt = b.programme("blt-daerah", dinsos, kind=c.ProgrammeKind.CASH, eligibility=EXTREME_ONLY)
    baznas = b.programme(
        "santunan", b.organization("baznas", "Baznas", "partner"), eligibility=EXTREME_ONLY
    )
    blt.excludes.add(baznas)
    dismissed, referred, open_, excluded = (household(expenditure=EXTREME) for _ in range(4))
    period = classified()
    recommendations_run(actor=None, period=period)
    recommendation_dismiss(
        actor=admin_dinsos,
        recommendation=Recommendation.objects.get(household=dismissed, programme=blt),
        reason="sudah dibantu kelurahan",
    )
    for family, programme in ((referred, blt), (excluded, baznas)):
        Referral.objects.create(
            period=period, programme=programme, organization=programme.owner, household=family,
            proposed_by=admin_dinsos,
        )  # fmt: skip

    result = recommendations_run(actor=admin_dinsos, period=period)

    assert rows(period, blt) == sorted(
        [(dismissed.pk, None, None, "diabaikan"), (open_.pk, None, None, "baru")]
    )
    # `referred` has a live BLT referral, which excludes the Baznas cash for that family.
    assert result.per_programme == {"blt-daerah": 1, "santunan": 2}
    assert result.kept == 1
    event = AuditEvent.objects.filter(action="recommendations_run").latest("pk")
    assert event.actor == admin_dinsos
    assert event.changes == {"per_programme": {"blt-daerah": 1, "santunan": 2}, "kept": 1}


@pytest.mark.django_db
def test_inactive_programmes_and_other_periods_are_left_alone(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    b.programme("lama", dinsos, is_active=False)
    household(expenditure=EXTREME)
    period = classified()
    other = b.period("2025-01")

    result = recommendations_run(actor=None, period=period)

    assert result.per_programme == {}
    assert Recommendation.objects.count() == 0
    assert recommendations_run(actor=None, period=other).households == 0


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_families(regions, django_assert_max_num_queries):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    b.programme("blt-daerah", dinsos, eligibility=EXTREME_ONLY)
    b.programme(
        "anak",
        dinsos,
        target=c.Target.PERSON,
        eligibility=[{"field": "person.age", "op": "lt", "value": 30}],
    )
    household(expenditure=EXTREME)
    period = classified()
    with django_assert_max_num_queries(20) as few:
        recommendations_run(actor=None, period=period)
    for _ in range(4):
        household(expenditure=EXTREME)
    targeting.period_classify(actor=None, period=period)

    with django_assert_max_num_queries(len(few.captured_queries)):
        result = recommendations_run(actor=None, period=period)

    assert result.per_programme == {"blt-daerah": 5, "anak": 5}


@pytest.mark.django_db
def test_the_recommend_command_prints_counts_per_programme(regions, capsys):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    b.programme("blt-daerah", dinsos, eligibility=EXTREME_ONLY)
    household(expenditure=EXTREME)
    classified()

    call_command("recommend", "--period", "2025-06")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "blt-daerah          1"
    assert out[1].startswith("1 rekomendasi untuk 1 keluarga dalam ")


ELDERLY_OR_DISABLED = {
    "any": [
        {"field": "person.age", "op": "gte", "value": 60},
        {"field": "person.disability", "op": "is", "value": True},
    ]
}
EITHER = "salah satu: usia anggota ≥ 60 tahun; atau anggota penyandang disabilitas"


def disable(person) -> None:
    person_update(actor=None, person=person, values={"difficulty_walking": 1}, reason="uji")


def reasons_by_row(period: Period, programme) -> dict[tuple, list[str]]:
    return {
        (household_id, person_id): reasons
        for household_id, person_id, reasons in Recommendation.objects.filter(
            period=period, programme=programme
        ).values_list("household_id", "person_id", "reasons")
    }


@pytest.mark.django_db
def test_a_person_group_picks_each_member_meeting_one_of_its_conditions(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    permakanan = b.programme(
        "permakanan", dinsos, target=c.Target.PERSON, eligibility=[ELDERLY_OR_DISABLED]
    )
    # Members aged on 30 June 2025: 57, 52, 26 (and 20, 13, 85 in a family of six).
    mixed, neither, grandmother = (
        household(expenditure=EXTREME, members=members) for members in (3, 3, 6)
    )
    head, spouse, _child = members_of(mixed)
    person_update(
        actor=None, person=head, values={"birth_date": dt.date(1960, 1, 10)}, reason="uji"
    )  # 65
    disable(spouse)
    eldest = members_of(grandmother)[5]
    disable(eldest)  # 85 and disabled: both alternatives hold
    period = classified()

    recommendations_run(actor=None, period=period)

    assert reasons_by_row(period, permakanan) == {
        (mixed.pk, head.pk): ["usia anggota ≥ 60 tahun"],
        (mixed.pk, spouse.pk): ["anggota penyandang disabilitas"],
        (grandmother.pk, eldest.pk): [EITHER],
    }
    assert not Recommendation.objects.filter(household=neither).exists()


@pytest.mark.django_db
def test_a_plain_person_condition_and_a_person_group_must_hold_for_the_same_member(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    women = {"field": "person.sex", "op": "eq", "value": "P"}
    programme = b.programme("perempuan-rentan", dinsos, eligibility=[women, ELDERLY_OR_DISABLED])
    # The head is a man of 57, his wife 52, their daughter 26; in a family of six the
    # grandmother is 85.
    split_between, disabled_wife, two_women = (
        household(expenditure=EXTREME, members=members) for members in (3, 3, 6)
    )
    disable(members_of(split_between)[0])  # a disabled man, and women neither old nor disabled
    disable(members_of(disabled_wife)[1])
    disable(members_of(two_women)[1])  # the wife disabled, the grandmother old
    period = classified()

    recommendations_run(actor=None, period=period)

    assert reasons_by_row(period, programme) == {
        (disabled_wife.pk, None): [
            "jenis kelamin anggota: Perempuan",
            "anggota penyandang disabilitas",
        ],
        (two_women.pk, None): ["jenis kelamin anggota: Perempuan", EITHER],
    }


@pytest.mark.django_db
def test_a_household_group_mixes_welfare_and_household_fields(regions):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    group = {
        "any": [
            {"field": "welfare.floor_type", "op": "in", "value": ["tanah"]},
            {"field": "welfare.wall_type", "op": "in", "value": ["bambu"]},
            {"field": "household.elderly", "op": "gte", "value": 1},
        ]
    }
    programme = b.programme("rumah", dinsos, eligibility=[group])
    earth = household(expenditure=EXTREME, floor_type="tanah")  # walls unknown
    bamboo = household(expenditure=EXTREME, floor_type="keramik", wall_type="bambu")
    both = household(expenditure=EXTREME, floor_type="tanah", wall_type="bambu")
    elderly = household(expenditure=EXTREME, members=6, floor_type="keramik", wall_type="tembok")
    household(expenditure=EXTREME, floor_type="keramik", wall_type="tembok")
    household(expenditure=EXTREME)  # no housing data, nobody old: nothing is known to hold
    period = classified()

    recommendations_run(actor=None, period=period)

    assert reasons_by_row(period, programme) == {
        (earth.pk, None): ["jenis lantai: Tanah"],
        (bamboo.pk, None): ["jenis dinding: Bambu"],
        (both.pk, None): [
            "salah satu: jenis lantai: Tanah; jenis dinding: Bambu; atau jumlah anggota"
            " berusia 60 tahun ke atas ≥ 1"
        ],
        (elderly.pk, None): ["jumlah anggota berusia 60 tahun ke atas ≥ 1"],
    }


@pytest.mark.django_db
def test_a_need_group_links_a_need_meeting_one_of_its_conditions(regions, admin_dinsos):
    dinsos = b.organization("dinsos", "Dinas Sosial", "dinsos")
    group = {
        "any": [
            {"field": "need.kind", "op": "eq", "value": "pangan"},
            {"field": "need.kind", "op": "eq", "value": "pelatihan"},
        ]
    }
    programme = b.programme(
        "pangan-atau-pelatihan",
        dinsos,
        needs=[NeedKind.FOOD, NeedKind.SKILLS_TRAINING, NeedKind.BUSINESS_CAPITAL],
        eligibility=[group],
    )
    trainee = visited(admin_dinsos, lambda members: [NeedInput(kind=NeedKind.SKILLS_TRAINING)])
    visited(admin_dinsos, lambda members: [NeedInput(kind=NeedKind.BUSINESS_CAPITAL)])
    need = Need.objects.get(household=trainee)
    period = classified()

    recommendations_run(actor=None, period=period)

    assert rows(period, programme) == [(trainee.pk, None, need.pk, "baru")]
    assert reasons_by_row(period, programme)[(trainee.pk, None)] == [
        "kebutuhan tercatat: Pelatihan keterampilan",
        "kebutuhan hasil verval: Pelatihan keterampilan",
    ]
