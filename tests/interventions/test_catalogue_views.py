"""Catalogue and recommendation pages: who may open them, forms that keep what was typed."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from tests.interventions import builders as b
from tests.targeting.builders import household, june

from entas.core.models import AuditEvent
from entas.interventions import choices as c
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation
from entas.targeting import services as targeting

EXTREME_ONLY = [{"field": "household.status", "op": "in", "value": ["ekstrem"]}]


@pytest.fixture
def blt(regions):
    return b.programme(
        "blt-daerah", b.organization("dinsos", "Dinas Sosial", "dinsos"),
        kind=c.ProgrammeKind.CASH, eligibility=EXTREME_ONLY, unit_cost=Decimal(3_600_000),
    )  # fmt: skip


@pytest.fixture
def classified(regions):
    period = june()
    household(expenditure=300_000)
    targeting.period_classify(actor=None, period=period)
    return period


READERS = {
    "admin_dinsos",
    "officer_tembalang",
    "officer_tugu",
    "opd_dinkes",
    "partner_csr",
    "leader",
}
ADMINS = {"admin_dinsos"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("catalogue_list", READERS),
        ("programme_detail", READERS),
        ("programme_form", ADMINS),
        ("programme_edit", ADMINS),
        ("allocation_form", ADMINS),
        ("recommendations", ADMINS),
    ],
)
def test_who_may_open_each_page(cast, client_for, blt, classified, name, allowed):
    urls = {
        "catalogue_list": reverse("interventions:catalogue_list"),
        "programme_detail": reverse("interventions:programme_detail", args=[blt.pk]),
        "programme_form": reverse("interventions:programme_form"),
        "programme_edit": reverse("interventions:programme_form", args=[blt.pk]),
        "allocation_form": reverse("interventions:allocation_form", args=[blt.pk]),
        "recommendations": reverse("interventions:recommendations"),
    }
    for username, user in cast.items():
        status = client_for(user).get(urls[name]).status_code
        assert status == (200 if username in allowed else 403), username


@pytest.mark.django_db
def test_writes_are_for_admins_only(cast, client_for, blt, classified):
    for username, user in cast.items():
        if username in ADMINS:
            continue
        client = client_for(user)
        assert (
            client.post(
                reverse("interventions:recommendations_run"), {"periode": "2025-06"}
            ).status_code
            == 403
        )
        assert (
            client.post(reverse("interventions:programme_form", args=[blt.pk]), {}).status_code
            == 403
        )
    assert not Recommendation.objects.exists()


@pytest.mark.django_db
def test_the_catalogue_lists_programmes_with_their_cost(client_for, admin_dinsos, blt, classified):
    page = client_for(admin_dinsos).get(
        reverse("interventions:catalogue_list"), {"periode": "2025-06"}
    )

    assert "Blt Daerah" in page.text
    assert "Rp3.600.000 / paket" in page.text


def form_values(**fields):
    values = {
        "code": "pmt-balita", "name": "PMT balita", "owner": b.dinkes().pk,
        "kind": c.ProgrammeKind.IN_KIND, "strategy": c.Strategy.REDUCE_POCKETS,
        "target": c.Target.PERSON, "needs": ["balita_stunting"],
        "eligibility": json.dumps([{"field": "person.age", "op": "between", "value": [0, 4]}]),
        "unit": "anak", "unit_cost": "1350000", "description": "", "is_active": "on",
    }  # fmt: skip
    values.update(fields)
    return values


@pytest.mark.django_db
def test_a_programme_is_created_from_the_form(client_for, admin_dinsos):
    response = client_for(admin_dinsos).post(reverse("interventions:programme_form"), form_values())

    made = Programme.objects.get(code="pmt-balita")
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions:programme_detail", args=[made.pk])
    assert made.eligibility == [{"field": "person.age", "op": "between", "value": [0, 4]}]
    assert made.needs == ["balita_stunting"]


@pytest.mark.django_db
def test_bad_conditions_are_explained_and_what_was_typed_is_kept(client_for, admin_dinsos):
    typed = '[{"field": "person.age", "op": "between", "value": [9, 4]}]'
    broken = '[{"field": "person.age",'
    client = client_for(admin_dinsos)

    invalid = client.post(reverse("interventions:programme_form"), form_values(eligibility=typed))
    unreadable = client.post(
        reverse("interventions:programme_form"), form_values(eligibility=broken)
    )

    assert invalid.status_code == 400
    assert "Syarat ke-1 (person.age): angka pertama harus ≤ angka kedua." in invalid.text
    assert "PMT balita" in invalid.text  # the name typed is still there
    assert "[9, 4]" in invalid.text
    assert unreadable.status_code == 400
    assert "Syarat bukan JSON yang sah (baris 1, kolom 25)" in unreadable.text
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_the_preview_explains_conditions_as_they_are_typed(client_for, admin_dinsos):
    typed = json.dumps([{"field": "person.sex", "op": "eq", "value": "P"}])

    response = client_for(admin_dinsos).post(
        reverse("interventions:eligibility_preview"), {"eligibility": typed}
    )

    assert "jenis kelamin anggota: Perempuan" in response.text


@pytest.mark.django_db
def test_an_edit_keeps_the_code_and_saves_the_changes(client_for, admin_dinsos, blt):
    values = form_values(name="BLT daerah 2025", owner=blt.owner_id, eligibility="[]", needs=[])
    values.pop("code")

    response = client_for(admin_dinsos).post(
        reverse("interventions:programme_form", args=[blt.pk]), values
    )

    blt.refresh_from_db()
    assert response.status_code == 302
    assert (blt.code, blt.name, blt.eligibility) == ("blt-daerah", "BLT daerah 2025", [])


@pytest.mark.django_db
def test_an_allocation_is_set_from_its_form(client_for, admin_dinsos, blt, classified):
    url = reverse("interventions:allocation_form", args=[blt.pk])
    client = client_for(admin_dinsos)

    refused = client.post(url, {"period": classified.pk, "quota": "-1", "budget": ""})
    saved = client.post(url, {"period": classified.pk, "quota": "100", "budget": "360000000"})

    assert refused.status_code == 400
    assert saved.status_code == 302
    allocation = ProgrammeAllocation.objects.get()
    assert (allocation.quota, allocation.budget) == (100, Decimal(360_000_000))


@pytest.mark.django_db
def test_an_admin_runs_recommendations_reads_them_and_dismisses_one(
    client_for, admin_dinsos, blt, classified
):
    client = client_for(admin_dinsos)

    run = client.post(reverse("interventions:recommendations_run"), {"periode": "2025-06"})
    page = client.get(reverse("interventions:recommendations"), {"periode": "2025-06"})
    recommendation = Recommendation.objects.get()
    dismissed = client.post(
        reverse("interventions:recommendation_dismiss", args=[recommendation.pk]),
        {"reason": "pindah"},
    )
    again = client.post(
        reverse("interventions:recommendation_dismiss", args=[recommendation.pk]),
        {"reason": "lagi"},
    )

    assert run.status_code == 302
    assert "status keluarga pada periode: Miskin ekstrem" in page.text
    assert AuditEvent.objects.filter(action="recommendations.view").count() == 1
    assert dismissed.status_code == 302
    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.dismiss_reason) == ("diabaikan", "pindah")
    assert again.status_code == 404  # only open recommendations can be dismissed


ELDERLY_OR_DISABLED = [
    {
        "any": [
            {"field": "person.age", "op": "gte", "value": 60},
            {"field": "person.disability", "op": "is", "value": True},
        ]
    }
]
EITHER = "salah satu: usia anggota ≥ 60 tahun; atau anggota penyandang disabilitas"


@pytest.mark.django_db
def test_a_group_is_typed_previewed_saved_and_shown_as_one_sentence(client_for, admin_dinsos):
    client = client_for(admin_dinsos)
    typed = json.dumps(ELDERLY_OR_DISABLED)

    preview = client.post(reverse("interventions:eligibility_preview"), {"eligibility": typed})
    saved = client.post(
        reverse("interventions:programme_form"),
        form_values(code="permakanan", needs=[], eligibility=typed),
    )
    made = Programme.objects.get(code="permakanan")
    page = client.get(reverse("interventions:programme_detail", args=[made.pk]))

    assert f"<li>{EITHER}</li>" in preview.text
    assert saved.status_code == 302
    assert made.eligibility == ELDERLY_OR_DISABLED
    assert f"<li>{EITHER}</li>" in page.text


@pytest.mark.django_db
def test_a_bad_group_is_explained_in_the_preview(client_for, admin_dinsos):
    typed = json.dumps([{"any": [{"field": "person.age", "op": "gte", "value": 60}]}])

    response = client_for(admin_dinsos).post(
        reverse("interventions:eligibility_preview"), {"eligibility": typed}
    )

    assert (
        "Syarat ke-1: kelompok &quot;any&quot; hanya berisi satu kondisi; tulis kondisi itu"
        " tanpa kelompok." in response.text
    )
