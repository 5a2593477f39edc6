"""Causes of poverty: derived from the members current on the reference date, for families
listed ekstrem or miskin; an officer's change survives re-derivation.

June 2025, reference date 30 June: elderly means born on or before 30 June 1965, working age
15–64 means born 1 July 1960 … 30 June 2010, school age 7–18 born 1 July 2006 … 30 June 2018.
"""

import datetime as dt

import pytest
from tests.factories import next_kk, next_nik
from tests.targeting.builders import KELURAHAN, june

from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.models import Household, Person
from entas.registry.services import (
    MemberInput,
    household_register,
    member_add,
    person_update,
    welfare_record,
)
from entas.targeting import services
from entas.targeting.causes import cause_set, household_causes
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import FamilyCause

pytestmark = pytest.mark.usefixtures("regions")

HEAD, SPOUSE, CHILD = rc.Relationship.HEAD, rc.Relationship.SPOUSE, rc.Relationship.CHILD
MALE, FEMALE = rc.Sex.MALE, rc.Sex.FEMALE


def member(name: str, sex: str, relationship: str, born: dt.date, **fields) -> MemberInput:
    return MemberInput(
        full_name=name,
        sex=sex,
        relationship=relationship,
        birth_date=born,
        nik=next_nik(birth_date=born, sex=sex),
        fields=fields,
    )


def family(*members: MemberInput, expenditure: int = 300_000, **housing) -> Household:
    registered = household_register(
        actor=None,
        kelurahan_code=KELURAHAN,
        members=list(members),
        kk_number=next_kk(),
        source=rc.Source.DTSEN,
        as_of=dt.date(2025, 1, 15),
    )
    welfare_record(
        actor=None, household=registered, as_of=dt.date(2025, 2, 1), source=rc.Source.DTSEN,
        values={"expenditure_per_capita": expenditure, **housing},
    )  # fmt: skip
    return registered


def causes_of(household: Household) -> set[str]:
    return {cause.cause for cause in household_causes(household.pk)}


def test_causes_are_derived_from_the_members_of_listed_families(admin_dinsos):
    disabled = family(
        member("Budi", MALE, HEAD, dt.date(1980, 1, 1), difficulty_walking=2, is_working=False),
        member("Sri", FEMALE, SPOUSE, dt.date(1982, 1, 1), is_working=True),
        member("Joko", MALE, CHILD, dt.date(2008, 1, 1), difficulty_seeing=1, is_working=True,
               school_participation="masih"),
    )  # fmt: skip
    elderly_woman = family(
        member("Mbah Sumi", FEMALE, HEAD, dt.date(1965, 6, 30), is_working=False),
    )
    ill_and_out_of_school = family(
        member("Darto", MALE, HEAD, dt.date(1965, 7, 1), is_working=True,
               chronic_illness="diabetes"),
        member("Rini", FEMALE, CHILD, dt.date(2010, 7, 1), school_participation="tidak_lagi"),
    )  # fmt: skip
    unfit_house = family(
        member("Wahyu", MALE, HEAD, dt.date(1975, 1, 1), is_working=True,
               chronic_illness="tidak_ada"),
        member("Ani", FEMALE, CHILD, dt.date(2006, 6, 30), school_participation="tidak_pernah"),
        member("Bagus", MALE, CHILD, dt.date(2018, 7, 1), school_participation="tidak_pernah"),
        floor_type="tanah",
    )  # fmt: skip
    vulnerable = family(
        member("Eko", MALE, HEAD, dt.date(1980, 1, 1), difficulty_hearing=1, is_working=False),
        expenditure=700_000,
    )
    joins_after = family(member("Tono", MALE, HEAD, dt.date(1980, 1, 1), is_working=True))
    member_add(
        actor=None, household=joins_after,
        member=member("Lik", MALE, rc.Relationship.OTHER, dt.date(1950, 1, 1),
                      difficulty_self_care=1, is_working=False),
        start_date=dt.date(2025, 7, 1), start_reason=rc.MembershipStart.MOVED_IN,
    )  # fmt: skip

    services.period_classify(actor=admin_dinsos, period=june())

    assert causes_of(disabled) == {"disabilitas_tidak_bekerja"}
    assert causes_of(elderly_woman) == {
        "lansia_tanpa_penghasilan", "kepala_keluarga_perempuan", "tanpa_pekerja"
    }  # fmt: skip
    assert causes_of(ill_and_out_of_school) == {"sakit_kronis", "anak_tidak_sekolah"}
    assert causes_of(unfit_house) == {"rumah_tidak_layak"}
    assert causes_of(vulnerable) == set()
    assert causes_of(joins_after) == set()
    assert set(FamilyCause.objects.values_list("source", "is_present")) == {("turunan", True)}
    assert FamilyCause.objects.count() == 7


def test_an_officers_removal_and_addition_survive_rederivation(admin_dinsos, officer_tembalang):
    # 63 on the reference date: elderly and of working age
    elderly_woman = family(
        member("Mbah Sumi", FEMALE, HEAD, dt.date(1962, 1, 1), is_working=False),
    )
    june_2025 = june()
    services.period_classify(actor=admin_dinsos, period=june_2025)
    # when an officer removes a derived cause and adds job loss
    cause_set(
        actor=officer_tembalang, household=elderly_woman, cause="tanpa_pekerja", present=False,
        note="Anak yang tinggal terpisah menanggung",
    )  # fmt: skip
    cause_set(actor=officer_tembalang, household=elderly_woman, cause="phk", present=True)
    services.period_classify(actor=admin_dinsos, period=june_2025)
    # then both survive; the others still follow the data
    assert [cause.cause for cause in household_causes(elderly_woman.pk)] == [
        "lansia_tanpa_penghasilan", "phk", "kepala_keluarga_perempuan"
    ]  # fmt: skip
    removed = FamilyCause.objects.get(household=elderly_woman, cause="tanpa_pekerja")
    assert (removed.is_present, removed.source, removed.changed_by) == (
        False, "manual", officer_tembalang
    )  # fmt: skip
    event = AuditEvent.objects.filter(action="targeting.cause_set").earliest("id")
    assert (event.trail, event.summary, event.changes, event.reason) == (
        f"household:{elderly_woman.pk}",
        "Tidak ada anggota yang bekerja: tidak ada",
        {"is_present": [True, False]},
        "Anak yang tinggal terpisah menanggung",
    )


def test_derived_causes_follow_the_data(admin_dinsos):
    disabled = family(
        member("Budi", MALE, HEAD, dt.date(1980, 1, 1), difficulty_walking=1, is_working=False),
        member("Sri", FEMALE, SPOUSE, dt.date(1982, 1, 1), is_working=True),
    )
    june_2025 = june()
    services.period_classify(actor=admin_dinsos, period=june_2025)
    assert causes_of(disabled) == {"disabilitas_tidak_bekerja"}
    budi = Person.objects.get(full_name="Budi")
    person_update(actor=None, person=budi, values={"is_working": True}, reason="Sudah bekerja")
    services.period_classify(actor=admin_dinsos, period=june_2025)
    assert FamilyCause.objects.filter(household=disabled).count() == 0


def test_an_other_cause_needs_a_note_and_nothing_is_written(officer_tembalang):
    household = family(member("Budi", MALE, HEAD, dt.date(1980, 1, 1)))
    before = (FamilyCause.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TargetingError) as error:
        cause_set(actor=officer_tembalang, household=household, cause="lainnya", present=True)
    assert error.value.message == "Jelaskan penyebab “lainnya” di catatan."
    with pytest.raises(TargetingError):
        cause_set(actor=officer_tembalang, household=household, cause="malas", present=True)
    assert (FamilyCause.objects.count(), AuditEvent.objects.count()) == before
