"""Linkage on the registry: a deduplication run fills the review queue, accepting a pair
merges and undoing restores; an import sends its unknown rows through the model."""

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from tests.factories import make_household, members_of, next_kk

from entas.imports import services as imports
from entas.linkage import services
from entas.linkage.choices import PairStatus, RunKind, RunStatus
from entas.linkage.merging import merge_undo
from entas.linkage.models import CandidatePair, MatchRun
from entas.linkage.review import pair_decide
from entas.registry import choices as c
from entas.registry.models import Person
from entas.registry.services import MemberInput, household_register

pytestmark = pytest.mark.django_db

TEMBALANG = "33.74.10.1001"
NEIGHBOUR = "33.74.10.1002"


@pytest.fixture
def registry(regions):
    """The Riyadi family in Tembalang and, listed again by the city in the next kelurahan
    without NIKs and in other spellings, Siti Aminah as a family of her own."""
    family = make_household(kelurahan_code=TEMBALANG, members=3, address="Jl. Mulawarman 5")
    again = household_register(
        actor=None,
        kelurahan_code=NEIGHBOUR,
        members=[
            MemberInput(
                full_name="Hj. Sitti Aminah",
                sex=c.Sex.FEMALE,
                relationship=c.Relationship.HEAD,
                birth_date=dt.date(1972, 8, 2),
                nik=None,
            )
        ],
        kk_number=next_kk(kelurahan_code=NEIGHBOUR),
        source=c.Source.CITY,
        as_of=dt.date(2025, 1, 15),
        address="Gg. Melati 2",
    )
    return family, again


def siti_pair() -> CandidatePair:
    siti = Person.objects.get(full_name="Siti Aminah")
    copy = Person.objects.get(full_name="Hj. Sitti Aminah")
    low, high = sorted([siti.pk, copy.pk])
    return CandidatePair.objects.get(person_l=low, person_r=high)


def test_registry_run_queues_the_duplicate_with_its_explanation(registry):
    run = services.dedupe_registry(MatchRun.objects.create(kind=RunKind.DEDUPE))
    assert run.status == RunStatus.DONE
    assert run.summary["individu"] == 4
    pair = siti_pair()
    assert pair.status == PairStatus.PENDING
    assert 0.5 <= pair.match_probability <= 1
    fields = {item["field"]: item for item in pair.explanation}
    assert fields["birth_date"]["weight"] > 10
    assert fields["nik"]["level"] == "Kosong di salah satu"
    # Nobody else in the family looks like anyone else.
    assert CandidatePair.objects.count() == 1
    # Running again refreshes the waiting pair instead of adding another.
    services.dedupe_registry(MatchRun.objects.create(kind=RunKind.DEDUPE))
    assert CandidatePair.objects.count() == 1


def test_accept_merges_and_undo_restores(registry, admin_dinsos):
    services.dedupe_registry(MatchRun.objects.create(kind=RunKind.DEDUPE))
    pair = siti_pair()
    merge = pair_decide(actor=admin_dinsos, pair=pair, decision=PairStatus.ACCEPTED)
    assert merge is not None
    copy = Person.objects.get(full_name="Hj. Sitti Aminah")
    assert copy.status == c.PersonStatus.MERGED
    assert copy.merged_into.full_name == "Siti Aminah"  # the one with a NIK survives
    # A new run does not resurface a decided pair, nor the merged person.
    services.dedupe_registry(MatchRun.objects.create(kind=RunKind.DEDUPE))
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.ACCEPTED
    merge_undo(actor=admin_dinsos, merge=merge)
    copy.refresh_from_db()
    assert copy.status == c.PersonStatus.ACTIVE
    assert copy.merged_into is None
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.PENDING


def test_cli_registry_run_prints_its_summary(registry):
    out = io.StringIO()
    call_command("linkage", "registry", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["individu"] == 4
    assert summary["pasangan"] == 1
    assert MatchRun.objects.get(pk=summary["run"]).status == RunStatus.DONE


def test_report_lookup_finds_the_registered_person(registry):
    found = services.match_record(
        {"full_name": "Bu Siti Aminah", "birth_date": "1972-08-02", "kelurahan_code": TEMBALANG}
    )
    assert [m.person_id for m in found][:2] != []
    best = Person.objects.get(pk=found[0].person_id)
    assert best.full_name in {"Siti Aminah", "Hj. Sitti Aminah"}
    assert found[0].match_probability >= 0.5
    assert (
        services.match_record({"full_name": "Bambang Pamungkas", "birth_date": "1980-01-01"}) == []
    )


def city_list(path: Path, *, name: str, born: str, kelurahan: str) -> Path:
    """The city's own list in the entas template: one person, no NIK, a family of one."""
    kk = next_kk(kelurahan_code=kelurahan)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "no_kk",
                "nik",
                "nama",
                "hubungan",
                "jenis_kelamin",
                "tanggal_lahir",
                "alamat",
                "kode_kelurahan",
            ]
        )
        writer.writerow(
            [kk, "", name, "kepala", "P", born, "JL. MELATI 9", kelurahan.replace(".", "")]
        )
    return path


def import_file(path: Path):
    batch = imports.import_from_paths(user=None, paths=[path])
    return imports.import_run(batch=batch, user=None)


def test_import_queues_a_likely_match_for_review(regions, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    make_household(kelurahan_code=TEMBALANG, members=3)
    batch = import_file(
        city_list(
            tmp_path / "kota.csv", name="BU SITTI AMINAH", born="02/08/1972", kelurahan=NEIGHBOUR
        )
    )
    assert batch.counts["persons_created"] == 1
    assert batch.counts["fuzzy_review"] == 1
    run = MatchRun.objects.get(kind=RunKind.IMPORT)
    assert run.import_batch_id == batch.pk
    pair = CandidatePair.objects.get(run=run)
    names = {pair.person_l.full_name, pair.person_r.full_name}
    assert names == {"Siti Aminah", "BU SITTI AMINAH"}
    assert pair.status == PairStatus.PENDING


def test_import_links_a_sure_match_without_rewriting_identity(regions, tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    settings.LINKAGE_AUTO_MERGE_THRESHOLD = 0.5  # make "sure" reachable for one record
    family = make_household(kelurahan_code=TEMBALANG, members=3)
    siti = next(p for p in members_of(family) if p.full_name == "Siti Aminah")
    batch = import_file(
        city_list(
            tmp_path / "kota.csv", name="BU SITTI AMINAH", born="02/08/1972", kelurahan=NEIGHBOUR
        )
    )
    assert batch.counts["persons_created"] == 0
    assert batch.counts["fuzzy_review"] == 0
    siti.refresh_from_db()
    assert siti.full_name == "Siti Aminah"  # the registry's spelling stays
    assert siti.memberships.filter(end_date__isnull=True).get().household.kelurahan_id == NEIGHBOUR
