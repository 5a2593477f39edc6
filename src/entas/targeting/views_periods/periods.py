"""Period pages: the list, a new period, a period's counts per area, classify and freeze.

Counts are aggregates (no names): leaders and admins see the whole city, field officers
only the kecamatan and kelurahan assigned to them.
"""

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.targeting import choices as c
from entas.targeting import explain, services
from entas.targeting.exceptions import TargetingError
from entas.targeting.forms_periods import PeriodExportForm, PeriodForm
from entas.targeting.models import Alert, Classification, Period
from entas.targeting.views_periods.common import (
    Areas,
    area_filter,
    areas_of,
    period_or_404,
    region_names,
    require,
)


@dataclasses.dataclass
class AreaCounts:
    """Households per status in one kecamatan or kelurahan (or the total)."""

    code: str
    name: str
    parent: str = ""  # the kecamatan's name, for a kelurahan
    counts: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def columns(self) -> list[int]:
        return [self.counts.get(status, 0) for status in c.Status.values]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, status: str, count: int) -> None:
        self.counts[status] = self.counts.get(status, 0) + count


def period_area_counts(
    period: Period, areas: Areas
) -> tuple[list[AreaCounts], list[AreaCounts], AreaCounts]:
    """(per kecamatan, per kelurahan, total) of a period's snapshot within `areas`: one
    GROUP BY kelurahan and status; a kecamatan is the first 8 characters of the code."""
    grouped = (
        Classification.objects.filter(area_filter(areas), period=period)
        .values_list("kelurahan_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    names = region_names()
    kecamatan: dict[str, AreaCounts] = {}
    kelurahan: dict[str, AreaCounts] = {}
    total = AreaCounts(code="", name=_("Jumlah"))
    for code, status, count in grouped:
        parent = code[:8]
        if code not in kelurahan:
            kelurahan[code] = AreaCounts(code, names.get(code, code), names.get(parent, parent))
        if parent not in kecamatan:
            kecamatan[parent] = AreaCounts(parent, names.get(parent, parent))
        for row in (kelurahan[code], kecamatan[parent], total):
            row.add(status, count)
    return _by_code(kecamatan), _by_code(kelurahan), total


def _by_code(rows: dict[str, AreaCounts]) -> list[AreaCounts]:
    return [rows[code] for code in sorted(rows)]


def _status_counts(summary: dict[str, Any]) -> list[int]:
    counts = summary.get("counts") or {}
    return [counts.get(status, 0) for status in c.Status.values]


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    user = request.user
    require(access.can_view_targeting(user))
    alerts = Alert.objects.filter(
        area_filter(areas_of(user), through="household__"), resolved_at__isnull=True
    )
    context = {
        "periods": [(period, _status_counts(period.summary)) for period in Period.objects.all()],
        "statuses": c.Status.labels,
        "open_alerts": alerts.count(),
        "can_manage": access.can_manage_targeting(user),
        "form": PeriodForm(),
    }
    return render(request, "targeting/index.html", context)


@login_required
def period_create(request: SignedInRequest) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_create(actor=request.user, **form.cleaned_data)
        except TargetingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Periode %(name)s dibuat.") % {"name": period.name})
            return redirect("targeting:period", code=period.code)
    status = 400 if form.errors else 200
    return render(request, "targeting/period_form.html", {"form": form}, status=status)


@login_required
def period_detail(request: SignedInRequest, code: str) -> HttpResponse:
    require(access.can_view_targeting(request.user))
    return render_period(request, period_or_404(code), PeriodExportForm())


def render_period(
    request: SignedInRequest, period: Period, export_form: PeriodExportForm, status: int = 200
) -> HttpResponse:
    user = request.user
    areas = areas_of(user)
    kecamatan, kelurahan, total = period_area_counts(period, areas)
    graduations = period.graduations.filter(area_filter(areas, through="household__"))
    lines = [line for line in (period.extreme_line, period.poverty_line) if line is not None]
    context = {
        "period": period,
        "statuses": c.Status.labels,
        "status_counts": list(zip(c.Status.labels, total.columns, strict=True)),
        "kecamatan": kecamatan,
        "kelurahan": kelurahan,
        "total": total,
        "city_wide": areas is None,
        "lines": [explain.line_label(line) for line in lines],
        "graduations": graduations.count(),
        "can_manage": access.can_manage_targeting(user),
        "can_export": access.can_export(user),
        "export_form": export_form,
    }
    return render(request, "targeting/period.html", context, status=status)


@require_POST
@login_required
def period_classify(request: SignedInRequest, code: str) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    period = period_or_404(code)
    try:
        counts = services.period_classify(actor=request.user, period=period)
    except TargetingError as error:
        messages.error(request, error.message)
    else:
        parts = ", ".join(f"{label} {counts[value]}" for value, label in c.Status.choices)
        messages.success(
            request,
            _("Periode %(name)s diklasifikasi: %(total)s keluarga (%(parts)s).")
            % {"name": period.name, "total": sum(counts.values()), "parts": parts},
        )
    return redirect("targeting:period", code=period.code)


@require_POST
@login_required
def period_freeze(request: SignedInRequest, code: str) -> HttpResponse:
    require(access.can_manage_targeting(request.user))
    period = period_or_404(code)
    try:
        services.period_freeze(actor=request.user, period=period)
    except TargetingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Periode %(name)s dibekukan; hasilnya tidak akan berubah lagi.")
            % {"name": period.name},
        )
    return redirect("targeting:period", code=period.code)
