"""core.bulk: COPY on PostgreSQL, executemany elsewhere, ids given by the caller."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from entas.core.bulk import IdSource, bulk_insert
from entas.core.models import AuditEvent
from entas.registry.models import Person

AUDIT_FIELDS = [
    "id",
    "at",
    "action",
    "target_type",
    "target_id",
    "trail",
    "summary",
    "changes",
    "reason",
]
WHEN = dt.datetime(2025, 1, 15, 8, 30, tzinfo=dt.UTC)


def audit_rows(ids: IdSource, count: int) -> list[tuple]:
    return [
        (
            ids.take(),
            WHEN,
            "uji.bulk",
            "",
            "",
            "",
            f"baris {number}",
            {"nomor": number, "nama": "Sukirah"},
            "",
        )
        for number in range(count)
    ]


@pytest.mark.django_db
def test_bulk_insert_writes_rows_with_json_and_aware_datetimes():
    ids = IdSource(AuditEvent)

    inserted = bulk_insert(AuditEvent, AUDIT_FIELDS, audit_rows(ids, 12), batch_size=5)

    events = list(AuditEvent.objects.filter(action="uji.bulk").order_by("id"))
    assert inserted == 12
    assert [event.changes["nomor"] for event in events] == list(range(12))
    assert {event.at for event in events} == {WHEN}
    assert events[0].changes["nama"] == "Sukirah"


@pytest.mark.django_db
def test_ids_stay_clear_of_rows_written_by_the_orm():
    # given a row written the ordinary way, then rows with ids from IdSource
    first = AuditEvent.objects.create(action="uji.orm")
    bulk_insert(AuditEvent, AUDIT_FIELDS, audit_rows(IdSource(AuditEvent), 3))
    # when the ORM writes again
    last = AuditEvent.objects.create(action="uji.orm")
    # then no id was given twice
    ids = list(AuditEvent.objects.filter(action__startswith="uji.").values_list("id", flat=True))
    bulk_ids = set(AuditEvent.objects.filter(action="uji.bulk").values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 5
    assert first.pk not in bulk_ids
    assert last.pk not in bulk_ids


@pytest.mark.django_db
def test_a_failing_row_leaves_nothing_behind():
    before = Person.objects.count()
    ids = IdSource(Person)
    now = dt.datetime(2025, 1, 15, tzinfo=dt.UTC)
    fields = [
        "id",
        "nik",
        "full_name",
        "sex",
        "birth_place",
        "mother_name",
        "marital_status",
        "education",
        "school_participation",
        "occupation",
        "chronic_illness",
        "status",
        "created_at",
        "updated_at",
    ]
    good = (
        ids.take(),
        "3374012211740001",
        "Paimin",
        "L",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "aktif",
        now,
        now,
    )
    bad = (ids.take(), "12345", "Tukiyem", "P", "", "", "", "", "", "", "", "aktif", now, now)

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(Person, fields, [good, bad])

    assert Person.objects.count() == before


@pytest.mark.django_db
def test_id_blocks_taken_before_any_insert_do_not_overlap(regions):
    from entas.core.bulk import id_block
    from entas.registry.models import WelfareRecord

    first = id_block(WelfareRecord, 3)
    second = id_block(WelfareRecord, 2)
    assert len(set(first) | set(second)) == 5
