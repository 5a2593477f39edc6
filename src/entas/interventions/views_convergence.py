"""Convergence pages: the city's kelurahan × organisation counts with an htmx drill-down to
a kelurahan's family × organisation matrix, coverage gaps (with an XLSX export for
admins), double-dipping alerts, and a family's card with every intervention.

Each view: sign-in → role (403) → period and kelurahan through scoped selectors (404
outside the scope) → response. Leaders see counts only; families are named for admins and
field officers in their area. OPD officers and partners get 403 here, the family card
included: it shows every organisation's referrals, and an OPD sees only its own (its
queue). Pages that name families write an audit event. Each organisation's progress,
which OPD officers and partners may open for their own organisation, is in
`views_progress`.
"""

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core import spreadsheet
from entas.core.http import is_htmx_fragment
from entas.core.services import audit_record
from entas.interventions import selectors_convergence as selectors
from entas.interventions import selectors_family, selectors_gaps
from entas.targeting.models import Period
from entas.verval.choices import NeedKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GAPS_PER_PAGE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def chosen_period(request: HttpRequest) -> Period | None:
    return selectors.convergence_period(code=request.GET.get("periode", ""))


def convergence_context(request: SignedInRequest, period: Period | None) -> dict[str, Any]:
    """What every convergence page needs: the period chooser and the links it may show."""
    return {
        "period": period,
        "periods": selectors.convergence_periods(),
        "names_shown": access.can_view_convergence_names(request.user),
        "matrix_shown": access.can_view_convergence(request.user),
        "progress_shown": access.can_view_progress(request.user),
    }


@login_required
def convergence_index(request: SignedInRequest) -> HttpResponse:
    user = request.user
    _require(access.can_view_convergence(user))
    period = chosen_period(request)
    context = convergence_context(request, period)
    code = request.GET.get("kelurahan", "")
    if period is not None:
        context.update(
            matrix=selectors.convergence_matrix(user=user, period=period),
            kelurahan_matrix=selectors.convergence_matrix(
                user=user, period=period, kelurahan_code=code
            )
            if code
            else None,
            gap_count=selectors_gaps.coverage_gap_count(user=user, period=period),
            alert_count=len(selectors_gaps.double_dipping(user=user, period=period)),
        )
        _audit_names(request, context.get("kelurahan_matrix"))
    template = "interventions/convergence_index.html"
    if code and is_htmx_fragment(request):
        template = "interventions/convergence_kelurahan_matrix.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def convergence_kelurahan(request: SignedInRequest, kelurahan_code: str) -> HttpResponse:
    user = request.user
    _require(access.can_view_convergence(user))
    period = chosen_period(request)
    region = selectors.access_convergence_kelurahan(user=user, kelurahan_code=kelurahan_code)
    context = convergence_context(request, period) | {"kelurahan": region}
    if period is not None:
        matrix = selectors.convergence_matrix(
            user=user, period=period, kelurahan_code=kelurahan_code
        )
        context["kelurahan_matrix"] = matrix
        _audit_names(request, matrix)
    return render(request, "interventions/convergence_kelurahan.html", context)


def _audit_names(request: SignedInRequest, matrix: selectors.Matrix | None) -> None:
    if matrix is None or not matrix.rows or matrix.kelurahan is None:
        return
    audit_record(
        actor=request.user, action="interventions.convergence_view", target=matrix.kelurahan,
        summary=_("Matriks konvergensi %(kelurahan)s: %(count)s keluarga")
        % {"kelurahan": matrix.kelurahan.name, "count": len(matrix.rows)},
        changes={"period": matrix.period.code, "count": len(matrix.rows)},
    )  # fmt: skip


class GapFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kebutuhan"),
        required=False,
        choices=[("", gettext_lazy("Semua kebutuhan")), *NeedKind.choices],
    )
    kelurahan = forms.CharField(label=gettext_lazy("Kode kelurahan"), required=False)


def _gaps(
    request: SignedInRequest,
) -> tuple[Period | None, GapFilterForm, list[selectors_gaps.Gap]]:
    user = request.user
    _require(access.can_view_convergence_names(user))
    period = chosen_period(request)
    form = GapFilterForm(request.GET)
    if period is None or not form.is_valid():
        return period, form, []
    code = form.cleaned_data["kelurahan"]
    if code:
        selectors.access_convergence_kelurahan(user=user, kelurahan_code=code)
    gaps = selectors_gaps.coverage_gaps(
        user=user,
        period=period,
        kelurahan_code=code or None,
        kind=form.cleaned_data["kind"] or None,
    )
    return period, form, gaps


@login_required
def coverage_gaps(request: SignedInRequest) -> HttpResponse:
    period, form, gaps = _gaps(request)
    page = Paginator(gaps, GAPS_PER_PAGE).get_page(request.GET.get("halaman"))
    if gaps:
        audit_record(
            actor=request.user, action="interventions.gaps_view",
            summary=_("Kebutuhan belum tertangani: %(count)s") % {"count": len(gaps)},
            changes={"period": period.code if period else "", "count": len(gaps)},
        )  # fmt: skip
    query = request.GET.copy()
    query.pop("halaman", None)
    context = convergence_context(request, period) | {
        "form": form,
        "page": page,
        "gap_total": len(gaps),
        "query": query.urlencode(),
        "can_export": access.can_manage_interventions(request.user),
    }
    return render(
        request, "interventions/convergence_gaps.html", context, status=400 if form.errors else 200
    )


GAP_HEADER = (
    gettext_lazy("No."),
    gettext_lazy("ID keluarga"),
    gettext_lazy("Kepala keluarga"),
    gettext_lazy("Kelurahan"),
    gettext_lazy("Kebutuhan"),
    gettext_lazy("Dicatat"),
    gettext_lazy("Menunggu (hari)"),
    gettext_lazy("Program yang dapat menjawab"),
    gettext_lazy("Sudah diusulkan"),
)


def gaps_sheet(gaps: list[selectors_gaps.Gap]) -> spreadsheet.Sheet:
    yes, no = _("ya"), _("belum")
    rows = [
        [
            number, gap.household_id, gap.head_name, gap.kelurahan_name, gap.label,
            gap.created_at, gap.days_waiting, ", ".join(gap.programmes),
            yes if gap.is_proposed else no,
        ]
        for number, gap in enumerate(gaps, start=1)
    ]  # fmt: skip
    header = [str(title) for title in GAP_HEADER]
    return spreadsheet.Sheet(_("Celah"), header, rows, widths=(5, 10, 28, 20, 36, 16, 10, 40, 12))


@login_required
def coverage_gaps_export(request: SignedInRequest) -> HttpResponse:
    _require(access.can_manage_interventions(request.user))
    period, _form, gaps = _gaps(request)
    binary = io.BytesIO()
    spreadsheet.write_xlsx(binary, [gaps_sheet(gaps)])
    audit_record(
        actor=request.user, action="interventions.gaps_download",
        summary=_("Unduh kebutuhan belum tertangani (XLSX): %(count)s") % {"count": len(gaps)},
        changes={"period": period.code if period else "", "count": len(gaps)},
    )  # fmt: skip
    response = HttpResponse(binary.getvalue(), content_type=XLSX_CONTENT_TYPE)
    filename = f"celah-konvergensi-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # names: no copy in caches
    return response


@login_required
def double_dipping(request: SignedInRequest) -> HttpResponse:
    user = request.user
    _require(access.can_view_convergence_names(user))
    period = chosen_period(request)
    alerts = selectors_gaps.double_dipping(user=user, period=period) if period else []
    if alerts:
        audit_record(
            actor=user, action="interventions.double_dipping_view",
            summary=_("Peringatan bantuan ganda: %(count)s") % {"count": len(alerts)},
            changes={"period": period.code if period else "", "count": len(alerts)},
        )  # fmt: skip
    context = convergence_context(request, period) | {"alerts": alerts}
    return render(request, "interventions/convergence_double.html", context)


@login_required
def family_card(request: SignedInRequest, household_id: int) -> HttpResponse:
    user = request.user
    _require(access.can_view_convergence_names(user))
    period = chosen_period(request)
    card = selectors_family.family_card(user=user, household_id=household_id, period=period)
    audit_record(
        actor=user, action="interventions.family_card_view", target=card.household,
        trail=card.household.trail,
        summary=_("Kartu konvergensi keluarga"),
    )  # fmt: skip
    context = convergence_context(request, period) | {"card": card}
    return render(request, "interventions/convergence_family.html", context)
