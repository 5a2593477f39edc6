"""Poverty lines: the line in force on a date, and versioned edits that keep history."""

import datetime as dt
from decimal import Decimal

import pytest
from tests.targeting.builders import household, june, row

from entas.core.models import AuditEvent
from entas.targeting import choices as c
from entas.targeting import selectors, services
from entas.targeting.exceptions import TargetingError
from entas.targeting.models import PovertyLine
from entas.targeting.parameters import LineChoice

pytestmark = pytest.mark.usefixtures("regions")

EXTREME_215 = LineChoice(kind=c.LineKind.EXTREME, basis="USD 2.15 PPP 2017")
POVERTY_ANY = LineChoice(kind=c.LineKind.POVERTY, basis="")


def in_force(choice: LineChoice, on: dt.date, region_code: str | None = None) -> tuple:
    line = selectors.line_in_force(choice=choice, on=on, region_code=region_code)
    return line.region_code, line.effective_from, line.amount, line.version


def new_line(**values) -> PovertyLine:
    return services.line_create(
        actor=None,
        **{
            "kind": c.LineKind.POVERTY,
            "basis": "Garis kemiskinan BPS",
            "region_code": "33.74",
            "region_name": "Kota Semarang",
            "effective_from": dt.date(2025, 7, 1),
            "amount": Decimal("650000"),
            "unit": c.LineUnit.PER_MONTH,
        }
        | values,
    )


# --- the line in force (sourced defaults) ----------------------------------------------


def test_newest_line_not_after_the_date_is_in_force():
    # the national GK of March 2025 is newer than Jawa Tengah's of September 2024
    assert in_force(POVERTY_ANY, dt.date(2025, 6, 30)) == (
        "00", dt.date(2025, 3, 1), Decimal("609160.00"), 1
    )  # fmt: skip
    # in January 2025 the newest GK known is Jawa Tengah's (docs/targeting.md)
    assert in_force(POVERTY_ANY, dt.date(2025, 1, 31)) == (
        "33", dt.date(2024, 9, 1), Decimal("521093.00"), 1
    )  # fmt: skip


def test_on_the_same_date_the_more_specific_region_wins():
    # March 2024: Indonesia Rp582.932 and Jawa Tengah Rp507.001 both from 1 March
    assert in_force(POVERTY_ANY, dt.date(2024, 6, 30)) == (
        "33", dt.date(2024, 3, 1), Decimal("507001.00"), 1
    )  # fmt: skip
    new_line(effective_from=dt.date(2024, 3, 1), amount=Decimal("560000"))
    assert in_force(POVERTY_ANY, dt.date(2024, 6, 30)) == (
        "33.74", dt.date(2024, 3, 1), Decimal("560000.00"), 1
    )  # fmt: skip


def test_a_line_is_in_force_from_its_first_day_and_other_regions_never_count():
    new_line(effective_from=dt.date(2025, 7, 1), amount=Decimal("650000"))
    new_line(
        region_code="33.01", region_name="Kabupaten Cilacap",
        effective_from=dt.date(2025, 8, 1), amount=Decimal("480000"),
    )  # fmt: skip
    assert in_force(POVERTY_ANY, dt.date(2025, 6, 30))[:2] == ("00", dt.date(2025, 3, 1))
    assert in_force(POVERTY_ANY, dt.date(2025, 7, 1))[:2] == ("33.74", dt.date(2025, 7, 1))
    assert in_force(POVERTY_ANY, dt.date(2025, 9, 30))[:2] == ("33.74", dt.date(2025, 7, 1))
    assert in_force(POVERTY_ANY, dt.date(2025, 9, 30), region_code="33.01.01")[:2] == (
        "33.01", dt.date(2025, 8, 1)
    )  # fmt: skip


def test_the_basis_chooses_the_series():
    # the USD 1.90 PPP 2011 line of March 2023 is newer than nothing on USD 2.15 in 2024
    assert in_force(LineChoice(kind="ekstrem", basis=""), dt.date(2024, 12, 31))[1:3] == (
        dt.date(2023, 3, 1), Decimal("351957.40")
    )  # fmt: skip
    assert in_force(EXTREME_215, dt.date(2025, 1, 1))[1:3] == (
        dt.date(2025, 1, 1), Decimal("391000.00")
    )  # fmt: skip
    with pytest.raises(TargetingError) as error:
        selectors.line_in_force(choice=EXTREME_215, on=dt.date(2024, 12, 31))
    assert error.value.code == "no_line"
    assert error.value.message == (
        "Tidak ada garis kemiskinan ekstrem (USD 2.15 PPP 2017) yang berlaku pada 2024-12-31. "
        "Tambahkan garisnya di halaman Garis kemiskinan, atau pakai aturan dengan dasar garis "
        "yang lain."
    )


def test_a_day_line_counts_thirty_days_a_month():
    # P3KE 2022: Rp10.739 per person per day is Rp322.170 per person per month
    line = new_line(kind=c.LineKind.EXTREME, amount=Decimal("10739"), unit=c.LineUnit.PER_DAY)
    assert line.monthly_amount == Decimal("322170")
    assert new_line(amount=Decimal("322170")).monthly_amount == Decimal("322170")


# --- create and revise ------------------------------------------------------------------


def test_line_create_writes_version_one_and_its_audit_event(admin_dinsos):
    line = services.line_create(
        actor=admin_dinsos,
        kind=c.LineKind.LOCAL,
        basis="Garis kota",
        region_code="33.74",
        region_name="Kota Semarang",
        effective_from=dt.date(2025, 7, 1),
        amount=Decimal("700000"),
        unit=c.LineUnit.PER_MONTH,
        source_url="https://example.org/perwal",
        note="Perwal contoh",
    )
    assert (line.version, line.is_current, line.replaces, line.created_by) == (
        1, True, None, admin_dinsos
    )  # fmt: skip
    event = AuditEvent.objects.get(action="targeting.line_create")
    assert (event.actor, event.target_type, event.target_id) == (
        admin_dinsos, "targeting.povertyline", str(line.pk)
    )  # fmt: skip
    assert event.changes == {
        "kind": "lokal", "basis": "Garis kota", "region_code": "33.74",
        "region_name": "Kota Semarang", "effective_from": "2025-07-01", "amount": "700000",
        "unit": "bulan", "source_url": "https://example.org/perwal", "note": "Perwal contoh",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"kind": "kemiskinan", "basis": "Garis kemiskinan BPS", "region_code": "00",
             "effective_from": dt.date(2025, 3, 1)},
            "Garis yang sama (jenis, dasar, wilayah, tanggal berlaku) sudah ada; ubah garis itu.",
        ),
        ({"amount": Decimal("0")}, "Nilai garis harus lebih dari nol."),
        ({"unit": "minggu"}, "Jenis atau satuan garis tidak dikenal."),
    ],
)  # fmt: skip
def test_line_create_refuses_and_writes_nothing(values, message):
    before = (PovertyLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TargetingError) as error:
        new_line(**values)
    assert error.value.message == message
    assert (PovertyLine.objects.count(), AuditEvent.objects.count()) == before


def test_line_revise_keeps_the_old_version_and_past_classifications_point_at_it(admin_dinsos):
    # given June 2025 classified on the national GK of March 2025 (version 1)
    family = household(expenditure=609_159)
    period = june()
    services.period_classify(actor=admin_dinsos, period=period)
    old = selectors.line_in_force(choice=POVERTY_ANY, on=period.ends_on)
    # when the line is corrected
    revised = services.line_revise(
        actor=admin_dinsos, line=old, reason="Salah ketik", amount=Decimal("609000")
    )
    # then a version 2 replaces it and is the one in force
    old.refresh_from_db()
    assert (old.is_current, revised.is_current, revised.version, revised.replaces) == (
        False, True, 2, old
    )  # fmt: skip
    assert in_force(POVERTY_ANY, period.ends_on) == (
        "00", dt.date(2025, 3, 1), Decimal("609000.00"), 2
    )  # fmt: skip
    event = AuditEvent.objects.get(action="targeting.line_revise")
    assert (event.target_id, event.reason, event.changes) == (
        str(revised.pk), "Salah ketik", {"amount": ["609160.00", "609000"]}
    )  # fmt: skip
    # the classification made before still names version 1 and its status is unchanged
    assert (row(period, family).poverty_line_id, row(period, family).status) == (old.pk, "miskin")
    # and classifying again uses version 2: Rp609.159 is no longer below the GK
    services.period_classify(actor=admin_dinsos, period=period)
    assert (row(period, family).poverty_line_id, row(period, family).status) == (
        revised.pk, "rentan"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "values", "message"),
    [
        ("", {"amount": Decimal("1")}, "Tuliskan alasan perubahan garis."),
        ("Cek", {"amount": Decimal("609160")}, "Tidak ada yang berubah."),
        ("Cek", {"amount": Decimal("-5")}, "Nilai garis harus lebih dari nol."),
    ],
)
def test_line_revise_refuses_and_writes_nothing(reason, values, message):
    line = selectors.line_in_force(choice=POVERTY_ANY, on=dt.date(2025, 6, 30))
    before = (PovertyLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TargetingError) as error:
        services.line_revise(actor=None, line=line, reason=reason, **values)
    assert error.value.message == message
    line.refresh_from_db()
    assert (line.is_current, line.amount) == (True, Decimal("609160.00"))
    assert (PovertyLine.objects.count(), AuditEvent.objects.count()) == before


def test_only_the_current_version_can_be_revised():
    line = selectors.line_in_force(choice=POVERTY_ANY, on=dt.date(2025, 6, 30))
    services.line_revise(actor=None, line=line, reason="Koreksi", amount=Decimal("609000"))
    with pytest.raises(TargetingError) as error:
        services.line_revise(actor=None, line=line, reason="Lagi", amount=Decimal("1"))
    assert error.value.message == "Hanya versi terbaru sebuah garis yang dapat diubah."
    assert PovertyLine.objects.filter(replaces=line).count() == 1


def test_revising_a_line_onto_another_current_line_is_refused_and_writes_nothing():
    # the national March 2025 GK moved to Jawa Tengah's September 2024 key
    line = selectors.line_in_force(choice=POVERTY_ANY, on=dt.date(2025, 6, 30))
    before = (PovertyLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(TargetingError) as error:
        services.line_revise(
            actor=None, line=line, reason="Salah wilayah", region_code="33",
            region_name="Jawa Tengah", effective_from=dt.date(2024, 9, 1),
        )  # fmt: skip
    assert error.value.code == "duplicate"
    line.refresh_from_db()
    assert line.is_current is True
    assert (PovertyLine.objects.count(), AuditEvent.objects.count()) == before
