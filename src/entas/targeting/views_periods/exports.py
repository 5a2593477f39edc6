"""Downloads: a period's by-name-by-address list (BNBA) and a comparison's tables.

The BNBA list goes through `household_scope` (a field officer's list holds only their
areas), masks No. KK for roles that may not see it in full and is one audit event with
its count. The comparison holds aggregates only.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.accounts.models import User
from entas.core import spreadsheet
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.registry.choices import Relationship
from entas.registry.models import Membership
from entas.registry.selectors import household_scope
from entas.targeting import choices as c
from entas.targeting import explain
from entas.targeting.forms_periods import CompareForm, FormatForm, PeriodExportForm
from entas.targeting.models import Classification, FamilyCause, Period
from entas.targeting.selectors import Comparison
from entas.targeting.views_periods.common import (
    period_or_404,
    region_names,
    require,
    spreadsheet_response,
    today,
)
from entas.targeting.views_periods.compare import comparison_for, reason_codes, reason_label
from entas.targeting.views_periods.periods import render_period

EXPORT_CHUNK_SIZE = 2000
EXPORT_HEADER = (
    gettext_lazy("ID keluarga"),
    gettext_lazy("No. KK"),
    gettext_lazy("Kepala keluarga"),
    gettext_lazy("Alamat"),
    gettext_lazy("RT"),
    gettext_lazy("RW"),
    gettext_lazy("Kelurahan"),
    gettext_lazy("Kecamatan"),
    gettext_lazy("Status"),
    gettext_lazy("Aturan"),
    gettext_lazy("Pengeluaran per kapita (Rp/bulan)"),
    gettext_lazy("Desil"),
    gettext_lazy("Skor proksi"),
    gettext_lazy("Peringkat skor (0 termiskin)"),
    gettext_lazy("Kandidat verval"),
    gettext_lazy("Penyebab"),
    gettext_lazy("Penjelasan"),
)
EXPORT_TEXT_COLUMNS = (1, 4, 5)  # No. KK, RT, RW: leading zeros and 16 digits stay text
EXPORT_WIDTHS = (10, 19, 28, 32, 5, 5, 18, 16, 16, 16, 12, 6, 8, 10, 10, 40, 80)


def period_export_queryset(*, user: User, period: Period, status: str) -> QuerySet[Classification]:
    """The period's rows of the households in the user's scope, with the current head's
    name, in kelurahan, RW, RT order."""
    head = Membership.objects.filter(
        household_id=OuterRef("household_id"), end_date__isnull=True, relationship=Relationship.HEAD
    ).values("person__full_name")[:1]
    rows = Classification.objects.filter(period=period, household__in=household_scope(user))
    if status:
        rows = rows.filter(status=status)
    return (
        rows.select_related("household", "finding", "extreme_line", "poverty_line")
        .annotate(head_name=Subquery(head))
        .order_by("kelurahan_id", "household__rw", "household__rt", "household_id")
    )


def period_export_rows(
    *, user: User, period: Period, rows: QuerySet[Classification]
) -> Iterator[tuple[Any, ...]]:
    """`rows` as EXPORT_HEADER rows, streamed in chunks (one causes query per chunk)."""
    full_nik, names = access.can_see_full_nik(user), region_names()
    chunk: list[Classification] = []
    for row in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        row.period = period  # one period for every row: no query per row for its rule set
        chunk.append(row)
        if len(chunk) == EXPORT_CHUNK_SIZE:
            yield from _export_chunk(chunk, full_nik, names)
            chunk = []
    yield from _export_chunk(chunk, full_nik, names)


def _causes_of(household_ids: Iterable[int]) -> dict[int, str]:
    """Each family's present causes as labels, in the choices' order."""
    order = {code: index for index, code in enumerate(c.Cause.values)}
    found: dict[int, list[str]] = {}
    present = FamilyCause.objects.filter(household_id__in=list(household_ids), is_present=True)
    for household_id, cause in present.values_list("household_id", "cause"):
        found.setdefault(household_id, []).append(cause)
    return {
        household_id: ", ".join(
            str(c.Cause(code).label) for code in sorted(codes, key=lambda code: order[code])
        )
        for household_id, codes in found.items()
    }


def _export_chunk(
    chunk: Sequence[Classification], full_nik: bool, names: dict[str, str]
) -> Iterator[tuple[Any, ...]]:
    listed = _causes_of(row.household_id for row in chunk)
    for row in chunk:
        household, kelurahan = row.household, row.kelurahan_id
        kk = household.kk_number or ""
        yield (
            row.household_id,
            kk if full_nik or not kk else access.mask_nik(kk),
            getattr(row, "head_name", None) or "",
            household.address,
            household.rt,
            household.rw,
            names.get(kelurahan, kelurahan),
            names.get(kelurahan[:8], kelurahan[:8]),
            row.get_status_display(),
            row.get_rule_display(),
            row.expenditure,
            row.desil,
            None if row.score is None else round(row.score, 2),
            None if row.score_rank is None else round(row.score_rank, 4),
            _("Ya") if row.is_candidate else _("Tidak"),
            listed.get(row.household_id, ""),
            " ".join(explain.classification_explain(row).steps),
        )


@login_required
def period_export(request: SignedInRequest, code: str) -> HttpResponseBase:
    require(access.can_export(request.user))
    period = period_or_404(code)
    form = PeriodExportForm(request.GET)
    if not form.is_valid():
        return _refused(request, period, form)
    fmt, status = form.cleaned_data["format"], form.cleaned_data["status"]
    found = period_export_queryset(user=request.user, period=period, status=status)
    rows = period_export_rows(user=request.user, period=period, rows=found)
    header = [str(title) for title in EXPORT_HEADER]
    sheet = spreadsheet.Sheet(
        "BNBA", header, rows, widths=EXPORT_WIDTHS, text_columns=EXPORT_TEXT_COLUMNS
    )
    filename = "-".join(["sasaran", period.code, status or "semua", today()]) + f".{fmt}"
    try:
        response, count = spreadsheet_response(sheet, filename, fmt, count=found.count())
    except EntasError as error:
        form.add_error(None, error.message)
        return _refused(request, period, form)
    audit_record(
        actor=request.user,
        action="targeting.period_export",
        target=period,
        summary=_("Ekspor BNBA sasaran %(period)s (%(fmt)s): %(count)s keluarga")
        % {"period": period.name, "fmt": fmt.upper(), "count": count},
        changes={"status": status, "format": fmt, "count": count},
    )
    return response


def _refused(request: SignedInRequest, period: Period, form: PeriodExportForm) -> HttpResponseBase:
    """The period page with the export form's errors, for those who may open it."""
    if access.can_view_targeting(request.user):
        return render_period(request, period, form, status=400)
    return render(request, "400.html", status=400)


COMPARE_HEADER = (
    gettext_lazy("Tingkat"),
    gettext_lazy("Kode wilayah"),
    gettext_lazy("Wilayah"),
    gettext_lazy("Di periode A"),
    gettext_lazy("Di periode B"),
    gettext_lazy("Masuk (baru)"),
    gettext_lazy("Kembali masuk"),
    pgettext_lazy("perbandingan periode", "Keluar"),
    gettext_lazy("Tetap"),
)


def compare_sheet(comparison: Comparison) -> spreadsheet.Sheet:
    """Kecamatan rows, kelurahan rows and the total in one sheet, told apart by the first
    column, so CSV and XLSX hold the same; one column per reason for leaving."""
    reasons = reason_codes(comparison)
    header = [str(text) for text in COMPARE_HEADER]
    header += [_("Keluar: %(reason)s") % {"reason": reason_label(code)} for code in reasons]
    levels = [
        *((_("Kecamatan"), moves) for moves in comparison.kecamatan),
        *((_("Kelurahan"), moves) for moves in comparison.kelurahan),
        (_("Jumlah"), comparison.total),
    ]
    rows = [
        (
            level,
            moves.code,
            moves.name,
            moves.in_a,
            moves.in_b,
            moves.entered,
            moves.came_back,
            moves.left,
            moves.stayed,
            *(moves.left_reasons.get(code, 0) for code in reasons),
        )  # fmt: skip
        for level, moves in levels
    ]
    title = f"{comparison.first.code} - {comparison.second.code}"[:31]
    return spreadsheet.Sheet(title, header, rows, widths=(12, 14, 28), text_columns=(1,))


@login_required
def compare_export(request: SignedInRequest) -> HttpResponseBase:
    require(access.can_view_targeting(request.user))
    form, format_form = CompareForm(request.GET), FormatForm(request.GET)
    comparison = comparison_for(request.user, form)
    if comparison is None or not format_form.is_valid():
        context = {"form": form, "comparison": None, "format_errors": format_form.errors}
        return render(request, "targeting/compare.html", context, status=400)
    sheet, fmt = compare_sheet(comparison), format_form.cleaned_data["format"]
    a, b = comparison.first.code, comparison.second.code
    rows = len(comparison.kecamatan) + len(comparison.kelurahan) + 1
    response, _count = spreadsheet_response(
        sheet, f"perbandingan-{a}-{b}-{today()}.{fmt}", fmt, count=rows
    )
    audit_record(
        actor=request.user,
        action="targeting.compare_export",
        target=comparison.second,
        summary=_("Ekspor perbandingan %(a)s dan %(b)s (%(fmt)s)")
        % {"a": a, "b": b, "fmt": fmt.upper()},
        changes={"a": a, "b": b, "format": fmt},
    )
    return response
