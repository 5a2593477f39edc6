"""entas synth without --out: the registry tables, their constraints and the ground truth."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q

from entas.core.models import AuditEvent
from entas.linkage.models import CandidatePair
from entas.registry.models import (
    Household,
    Membership,
    Person,
    PersonNameToken,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.registry.services import name_tokens
from entas.synth.exceptions import SynthError
from entas.synth.models import GroundTruthHousehold, GroundTruthPerson
from entas.synth.services import synthetic_registry_delete, synthetic_registry_load
from entas.targeting.models import Classification, FamilyCause

pytestmark = pytest.mark.usefixtures("regions")


def registry_counts() -> dict[str, int]:
    return {
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "tokens": PersonNameToken.objects.count(),
        "welfare": WelfareRecord.objects.count(),
        "receipts": ProgrammeReceipt.objects.count(),
        "truth_persons": GroundTruthPerson.objects.count(),
        "truth_households": GroundTruthHousehold.objects.count(),
    }


def test_load_obeys_every_constraint_and_matches_the_files(city_files):
    # given the files written for the same seed and size
    manifest = city_files.manifest
    counts = manifest["counts"]
    # when the same city is loaded into the registry
    result = synthetic_registry_load(
        households=manifest["households_requested"], seed=manifest["seed"]
    )
    # then deferred foreign keys hold and the rows are the records of the files
    connection.check_constraints()
    assert Household.objects.count() == counts["registry_households"]
    assert Person.objects.count() == counts["registry_persons"]
    assert Membership.objects.count() == counts["registry_persons"]
    assert Person.objects.filter(status="meninggal").count() == manifest["dirt"]["deceased"]
    assert Person.objects.filter(status="pindah").count() == manifest["dirt"]["moved"]
    assert Membership.objects.filter(end_date__isnull=False).count() == (
        manifest["dirt"]["deceased"] + manifest["dirt"]["moved"]
    )
    assert result.tally.registry_persons == counts["registry_persons"]
    extreme = GroundTruthHousehold.objects.filter(is_extreme_poor=True, dirt="")
    extreme_people = GroundTruthPerson.objects.filter(
        person__memberships__household__in=extreme.values("household"),
        person__memberships__end_date__isnull=True,
    ).exclude(dirt__contains="duplicate")
    assert extreme.count() == 1024
    assert extreme_people.count() == 5519


def test_loaded_households_have_one_head_and_current_welfare(city_files):
    manifest = city_files.manifest
    synthetic_registry_load(households=manifest["households_requested"], seed=manifest["seed"])

    heads = Household.objects.annotate(
        heads=Count(
            "memberships",
            filter=Q(memberships__relationship="kepala", memberships__end_date__isnull=True),
        )
    )

    assert set(heads.values_list("heads", flat=True)) == {1}
    assert not Household.objects.filter(current_welfare__isnull=True).exists()
    assert WelfareRecord.objects.count() == Household.objects.count()
    assert set(Household.objects.values_list("source", flat=True)) == {"sintetis"}


def test_registry_holds_duplicates_with_a_damaged_or_missing_nik():
    synthetic_registry_load(households=1500, seed=11)
    duplicates = GroundTruthPerson.objects.filter(dirt__startswith="duplicate").select_related(
        "person"
    )

    assert duplicates.exists()
    for truth in duplicates:
        originals = GroundTruthPerson.objects.filter(true_person=truth.true_person).exclude(
            pk=truth.pk
        )
        assert originals.exists()
        for original in originals.select_related("person"):
            assert truth.person.nik is None or truth.person.nik != original.person.nik
            if "name_" in truth.dirt:
                assert truth.person.full_name.upper() != original.person.full_name.upper()


def test_name_tokens_are_the_words_of_each_name():
    synthetic_registry_load(households=200, seed=5)

    for person in Person.objects.prefetch_related("name_tokens")[:300]:
        assert sorted(token.token for token in person.name_tokens.all()) == sorted(
            name_tokens(person.full_name)
        )


def test_load_writes_one_audit_event():
    synthetic_registry_load(households=200, seed=5)

    event = AuditEvent.objects.get(action="synth.load")
    assert event.changes["seed"] == 5
    assert event.changes["counts"]["households"] == 200
    assert event.summary.startswith("Data sintetis Kota Semarang dimuat")


def test_replace_removes_the_earlier_synthetic_data_only():
    # given a synthetic load
    synthetic_registry_load(households=300, seed=1)
    # when another one replaces it
    result = synthetic_registry_load(households=250, seed=2, replace=True)
    # then only the second one is there
    connection.check_constraints()
    assert Household.objects.count() == result.tally.registry_households
    assert Person.objects.count() == result.tally.registry_persons
    assert GroundTruthPerson.objects.count() == result.tally.registry_persons
    assert result.deleted["households"] > 0
    assert AuditEvent.objects.filter(action="synth.load").count() == 2


def test_replace_also_removes_what_later_work_wrote_about_the_synthetic_city():
    # given a synthetic city that was deduplicated, classified and frozen (as `make demo` does)
    synthetic_registry_load(households=300, seed=1)
    call_command("linkage", "registry", stdout=StringIO())
    call_command("classify", "--period", "2025-01", "--freeze", stdout=StringIO())
    assert Classification.objects.count() > 0
    assert CandidatePair.objects.count() > 0
    # when another city replaces it
    result = synthetic_registry_load(households=250, seed=2, replace=True)
    # then the pairs, the snapshot and the now empty period are gone, so a second demo can
    # classify January again
    connection.check_constraints()
    assert result.deleted["periods"] == 1
    assert not CandidatePair.objects.exists()
    assert not Classification.objects.exists()
    assert not FamilyCause.objects.exists()
    call_command("classify", "--period", "2025-01", stdout=StringIO())
    assert Classification.objects.count() == Household.objects.filter(status="aktif").count()


def test_loading_into_a_registry_with_synthetic_data_is_refused_without_replace():
    synthetic_registry_load(households=200, seed=1)
    before = registry_counts()

    with pytest.raises(SynthError, match="--replace") as error:
        synthetic_registry_load(households=200, seed=2)

    assert error.value.code == "synthetic_data_present"
    assert registry_counts() == before


def test_loading_next_to_real_data_is_refused_even_with_replace():
    # given a real family
    Household.objects.create(kelurahan_id="33.74.10.1001", source="dtsen", as_of="2025-01-01")
    before = registry_counts()
    # when synthetic data would be loaded, then it is refused and nothing changes
    with pytest.raises(SynthError, match="tidak boleh dicampur") as error:
        synthetic_registry_load(households=200, seed=1, replace=True)
    assert error.value.code == "registry_not_empty"
    assert registry_counts() == before


def test_delete_leaves_an_empty_registry():
    synthetic_registry_load(households=200, seed=1)

    deleted = synthetic_registry_delete()

    assert deleted["households"] > 0
    assert set(registry_counts().values()) == {0}


def test_command_prints_an_indonesian_summary(tmp_path):
    output = StringIO()

    call_command("synth", households=1000, seed=4, out=tmp_path, stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0].startswith("Catatan: 1.000 keluarga terlalu sedikit")
    assert lines[1].startswith("Kota Semarang, seed 4: 1.000 keluarga, ")
    assert lines[2] == "Miskin ekstrem: 200 keluarga, 1.078 jiwa."
    assert lines[-1] == f"Berkas ditulis ke {tmp_path}."


def test_command_refuses_a_registry_with_synthetic_data():
    call_command("synth", households=150, seed=4, stdout=StringIO())

    with pytest.raises(CommandError, match="Tambahkan --replace"):
        call_command("synth", households=150, seed=4, stdout=StringIO())
