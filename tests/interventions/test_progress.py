"""Each organisation's progress (selectors_progress and its page): counts per status,
deliveries summed, families reached, who sees which organisations, and the download.

Referrals, deliveries and recommendations are written with the models, as in
test_convergence: what is tested is how they are counted.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from tests.factories import make_household

from entas.accounts.models import Organization, User
from entas.interventions import choices as c
from entas.interventions import selectors_progress as progress
from entas.interventions.models import Delivery, Programme, Recommendation, Referral
from entas.registry.models import Household
from entas.targeting import choices as tc
from entas.targeting.models import Period

from .builders import allocation, dinkes, disperkim, period, programme
from .test_convergence import JERAKAH, METESEH, ROWOSARI, classify, need, refer

S = c.ReferralStatus


@dataclass
class Work:
    period: Period
    dinkes: Organization
    disperkim: Organization
    pbi: Programme
    santunan: Programme
    rtlh: Programme
    families: dict[str, Household]


def deliver(actor: User, referral: Referral, quantity: int, amount: int) -> None:
    Delivery.objects.create(
        referral=referral, delivered_on=dt.date(2025, 1, 20), quantity=quantity,
        amount=Decimal(amount), recorded_by=actor,
    )  # fmt: skip


def recommend(chosen: Period, offer: Programme, family: Household, status: str) -> None:
    Recommendation.objects.create(period=chosen, household=family, programme=offer, status=status)


def build_work(admin: User) -> Work:
    """Four extreme-poor families (A, B in Meteseh; C in Rowosari; D in Jerakah) and a poor
        one (E). Dinkes: PBI (quota 10, budget Rp5.000.000) proposed for A, accepted for B,
        delivered to C in two parts, closed with an outcome for D, delivered to E; Santunan (no
        allocation) declined for A, cancelled for B, scheduled for C, delivered to D; an
        inactive programme with nothing. Disperkim: RTLH (quota 3, budget Rp60.000.000)
        delivered to A, proposed for B, declined for C. A referral of another period is not
        counted. A's food need and B's housing need have no committed referral; C's health
    insurance need is answered."""
    chosen = period()
    health, housing = dinkes(), disperkim()
    pbi = programme("pbi", health, name="PBI JKN", unit="orang")
    santunan = programme("santunan", health, name="Santunan Sakit")
    programme("lama", health, name="Program Lama", is_active=False)
    rtlh = programme("rtlh", housing, name="Bedah RTLH", unit="rumah")
    allocation(pbi, chosen, quota=10, budget=Decimal(5_000_000))
    allocation(rtlh, chosen, quota=3, budget=Decimal(60_000_000))
    places = {"A": METESEH, "B": METESEH, "C": ROWOSARI, "D": JERAKAH, "E": METESEH}
    families = {key: make_household(kelurahan_code=code) for key, code in places.items()}
    for key, family in families.items():
        classify(chosen, family, tc.Status.POOR if key == "E" else tc.Status.EXTREME)
    a, b, cc, d, e = families.values()
    refer(admin, chosen, pbi, a, S.PROPOSED)
    refer(admin, chosen, pbi, b, S.ACCEPTED)
    to_c = refer(admin, chosen, pbi, cc, S.DELIVERED, need=need(admin, cc, "pbi_jkn", days=3))
    deliver(admin, to_c, 1, 100_000)
    deliver(admin, to_c, 1, 100_000)
    deliver(admin, refer(admin, chosen, pbi, d, S.CLOSED, outcome=c.Outcome.HELPED), 1, 150_000)
    deliver(admin, refer(admin, chosen, pbi, e, S.DELIVERED), 1, 100_000)
    refer(admin, chosen, santunan, a, S.DECLINED, decline_reason="Sudah menerima")
    refer(admin, chosen, santunan, b, S.CANCELLED)
    refer(admin, chosen, santunan, cc, S.SCHEDULED)
    deliver(admin, refer(admin, chosen, santunan, d, S.DELIVERED), 1, 300_000)
    deliver(admin, refer(admin, chosen, rtlh, a, S.DELIVERED), 1, 15_000_000)
    refer(admin, chosen, rtlh, b, S.PROPOSED, need=need(admin, b, "rtlh", days=1))
    refer(admin, chosen, rtlh, cc, S.DECLINED, decline_reason="Bukan rumah sendiri")
    need(admin, a, "pangan", days=2)
    other = period("2024-12")
    deliver(admin, refer(admin, other, pbi, a, S.DELIVERED), 5, 999_000)
    recommend(chosen, pbi, a, c.RecommendationStatus.OPEN)
    recommend(chosen, pbi, e, c.RecommendationStatus.OPEN)
    recommend(chosen, pbi, b, c.RecommendationStatus.DISMISSED)
    recommend(chosen, rtlh, d, c.RecommendationStatus.OPEN)
    return Work(chosen, health, housing, pbi, santunan, rtlh, families)


def statuses(tally: progress.Tally) -> tuple[int, ...]:
    return (
        tally.recommended, tally.proposed, tally.accepted, tally.declined, tally.scheduled,
        tally.delivered, tally.closed, tally.cancelled,
    )  # fmt: skip


def by_code(result: progress.Progress) -> dict[str, progress.OrganizationProgress]:
    return {entry.organization.code: entry for entry in result.organizations}


# --- the selector ----------------------------------------------------------------------


@pytest.mark.django_db
def test_counts_per_status_for_each_organisation(admin_dinsos):
    work = build_work(admin_dinsos)
    rows = by_code(progress.convergence_progress(user=admin_dinsos, period=work.period))
    assert list(rows) == ["dinkes", "disperkim"]
    assert statuses(rows["dinkes"].tally) == (2, 1, 1, 1, 1, 4, 1, 1)
    assert statuses(rows["disperkim"].tally) == (1, 1, 0, 1, 0, 1, 0, 0)
    by_programme = {row.programme.code: row for row in rows["dinkes"].programmes}
    assert list(by_programme) == ["pbi", "santunan"]  # the inactive one is left out
    assert statuses(by_programme["pbi"].tally) == (2, 1, 1, 0, 0, 3, 1, 0)
    assert statuses(by_programme["santunan"].tally) == (0, 0, 0, 1, 1, 1, 0, 1)


@pytest.mark.django_db
def test_partial_deliveries_are_summed_against_the_allocation(admin_dinsos):
    work = build_work(admin_dinsos)
    rows = by_code(progress.convergence_progress(user=admin_dinsos, period=work.period))
    pbi, santunan = rows["dinkes"].programmes
    assert (pbi.units, pbi.tally.rupiah, pbi.quota, pbi.budget, pbi.has_allocation) == (
        4, Decimal(450_000), 10, Decimal(5_000_000), True,
    )  # fmt: skip
    assert (santunan.units, santunan.tally.rupiah, santunan.has_allocation) == (
        1, Decimal(300_000), False,
    )  # fmt: skip
    assert (santunan.quota, santunan.budget) == (None, None)
    assert (rows["dinkes"].tally.rupiah, rows["dinkes"].budget) == (
        Decimal(750_000), Decimal(5_000_000),
    )  # fmt: skip
    (rtlh,) = rows["disperkim"].programmes
    assert (rtlh.units, rtlh.tally.rupiah, rtlh.quota) == (1, Decimal(15_000_000), 3)


@pytest.mark.django_db
def test_families_reached_are_distinct_and_shares_count_extreme_poor_only(admin_dinsos):
    work = build_work(admin_dinsos)
    result = progress.convergence_progress(user=admin_dinsos, period=work.period)
    rows = by_code(result)
    pbi, santunan = rows["dinkes"].programmes
    assert (pbi.tally.families, pbi.tally.extreme_families, pbi.share) == (3, 2, 50.0)
    assert (santunan.tally.families, santunan.tally.extreme_families) == (1, 1)
    # D had both Dinkes programmes: three families, not four
    assert (rows["dinkes"].tally.families, rows["dinkes"].tally.extreme_families) == (3, 2)
    assert rows["dinkes"].share == 50.0
    assert (rows["disperkim"].tally.families, rows["disperkim"].share) == (1, 25.0)
    assert (result.extreme_families, result.reached_families, result.share) == (4, 3, 75.0)
    assert result.gap_count == 2


@pytest.mark.django_db
def test_an_organisation_sees_only_its_own_rows(admin_dinsos, opd_dinkes, partner_csr):
    work = build_work(admin_dinsos)
    result = progress.convergence_progress(user=opd_dinkes, period=work.period)
    assert list(by_code(result)) == ["dinkes"]
    assert statuses(result.organizations[0].tally) == (2, 1, 1, 1, 1, 4, 1, 1)
    assert result.organizations[0].share == 50.0
    assert (result.extreme_families, result.reached_families, result.gap_count) == (4, None, None)
    partner = progress.convergence_progress(user=partner_csr, period=work.period)
    assert [(entry.organization.code, entry.programmes) for entry in partner.organizations] == [
        ("csr-contoh", [])
    ]


@pytest.mark.django_db
def test_leader_sees_every_organisation_and_others_nothing(
    admin_dinsos, leader, officer_tembalang, auditor
):
    work = build_work(admin_dinsos)
    assert list(by_code(progress.convergence_progress(user=leader, period=work.period))) == [
        "dinkes", "disperkim",
    ]  # fmt: skip
    for user in (officer_tembalang, auditor):
        assert progress.convergence_progress(user=user, period=work.period).organizations == []


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(admin_dinsos):
    work = build_work(admin_dinsos)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            progress.convergence_progress(user=admin_dinsos, period=work.period)
        return len(queries)

    before = count()
    extra = make_household(kelurahan_code=ROWOSARI)
    classify(work.period, extra)
    deliver(admin_dinsos, refer(admin_dinsos, work.period, work.rtlh, extra, S.DELIVERED), 1, 1)
    programme("baru", work.disperkim, name="Program Baru")
    assert count() == before


# --- the pages -------------------------------------------------------------------------

# role → status of: the page, the XLSX download
EXPECTED = {
    "admin_dinsos": (200, 200),
    "leader": (200, 200),
    "opd_dinkes": (200, 200),
    "partner_csr": (200, 200),
    "officer_tembalang": (403, 403),
    "officer_tugu": (403, 403),
    "auditor": (403, 403),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_may_open_the_progress_page(who, cast, client_for):
    build_work(cast["admin_dinsos"])
    client = client_for(cast[who])
    paths = [
        reverse("interventions:convergence_progress"),
        reverse("interventions:convergence_progress_export") + "?format=xlsx",
    ]
    assert tuple(client.get(path).status_code for path in paths) == EXPECTED[who]


@pytest.mark.django_db
def test_opd_page_shows_its_own_organisation_only(admin_dinsos, opd_dinkes, client_for):
    build_work(admin_dinsos)
    page = client_for(opd_dinkes).get(reverse("interventions:convergence_progress"))
    content = page.content.decode()
    assert "Dinas Kesehatan" in content
    assert "PBI JKN" in content
    assert "Bedah RTLH" not in content
    assert "Dinas Perumahan" not in content
    assert f'href="{reverse("interventions:convergence_index")}?' not in content  # no matrix


@pytest.mark.django_db
def test_index_and_nav_link_to_the_progress_page(admin_dinsos, client_for):
    build_work(admin_dinsos)
    page = client_for(admin_dinsos).get(reverse("interventions:convergence_index"))
    assert page.content.decode().count(reverse("interventions:convergence_progress")) == 2


@pytest.mark.django_db
def test_export_contains_the_rows(admin_dinsos, client_for):
    work = build_work(admin_dinsos)
    response = client_for(admin_dinsos).get(
        reverse("interventions:convergence_progress_export"),
        {"periode": work.period.code, "format": "xlsx"},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "capaian-konvergensi-2025-01-" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Organisasi", "Program", "Rekomendasi terbuka")
    assert [row[:10] for row in rows[1:]] == [
        ("Dinas Kesehatan", "Semua program", 2, 1, 1, 1, 1, 4, 1, 1),
        ("Dinas Kesehatan", "PBI JKN", 2, 1, 1, 0, 0, 3, 1, 0),
        ("Dinas Kesehatan", "Santunan Sakit", 0, 0, 0, 1, 1, 1, 0, 1),
        ("Dinas Perumahan dan Kawasan Permukiman", "Semua program", 1, 1, 0, 1, 0, 1, 0, 0),
        ("Dinas Perumahan dan Kawasan Permukiman", "Bedah RTLH", 1, 1, 0, 1, 0, 1, 0, 0),
    ]
    assert rows[2][10:] == (3, 2, 50, 4, "orang", 10, 450_000, 5_000_000)
    assert rows[3][15:] == (None, 300_000, None)


@pytest.mark.django_db
def test_csv_export_of_an_opd(admin_dinsos, opd_dinkes, client_for):
    build_work(admin_dinsos)
    response = client_for(opd_dinkes).get(
        reverse("interventions:convergence_progress_export"), {"format": "csv"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[:3] for row in rows[1:]] == [
        ["Dinas Kesehatan", "Semua program", "2"],
        ["Dinas Kesehatan", "PBI JKN", "2"],
        ["Dinas Kesehatan", "Santunan Sakit", "0"],
    ]


@pytest.mark.django_db
def test_bad_input_is_answered_in_indonesian(admin_dinsos, client_for):
    work = build_work(admin_dinsos)
    client = client_for(admin_dinsos)
    export = reverse("interventions:convergence_progress_export")
    wrong = client.get(export, {"periode": work.period.code, "format": "pdf"})
    assert wrong.status_code == 400
    assert "Pilih format XLSX atau CSV." in wrong.content.decode()
    assert client.get(export, {"format": ""}).status_code == 400
    unknown = client.get(reverse("interventions:convergence_progress"), {"periode": "1999-01"})
    assert unknown.status_code == 404


@pytest.mark.django_db
def test_no_classified_period_yet(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    page = client.get(reverse("interventions:convergence_progress"))
    assert page.status_code == 200
    assert "Belum ada periode yang diklasifikasi." in page.content.decode()
    export = client.get(reverse("interventions:convergence_progress_export"), {"format": "xlsx"})
    assert export.status_code == 400
    assert "belum ada yang diunduh" in export.content.decode()
