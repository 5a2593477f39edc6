"""What the period pages share: role checks, the period by its code, the areas a user
counts, region names and spreadsheet attachments."""

import tempfile

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import User
from entas.core import spreadsheet
from entas.targeting import selectors
from entas.targeting.exceptions import TargetingError
from entas.targeting.forms_periods import ExportFormat
from entas.targeting.models import Period
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
Areas = tuple[list[str], list[str]] | None  # (kecamatan, kelurahan); None = city-wide


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def period_or_404(code: str) -> Period:
    try:
        return selectors.period_get(code)
    except TargetingError:
        raise Http404(_("Periode tidak ditemukan.")) from None


# --- areas: what a user may count ------------------------------------------------------


def areas_of(user: User) -> Areas:
    """None for city-wide roles; otherwise the kecamatan and kelurahan assigned."""
    return None if access.role_of(user) in access.CITY_WIDE_ROLES else access.area_codes(user)


def area_filter(areas: Areas, *, through: str = "") -> Q:
    """Rows whose kelurahan (reached through `through`) lies in `areas`."""
    if areas is None:
        return Q()
    kecamatan, kelurahan = areas
    area = Q(**{f"{through}kelurahan__code__in": kelurahan})  # [] matches nothing
    for code in kecamatan:
        area |= Q(**{f"{through}kelurahan__code__startswith": code + "."})
    return area


def in_areas(areas: Areas, kelurahan: str) -> bool:
    return areas is None or kelurahan in areas[1] or kelurahan[:8] in areas[0]


def region_names() -> dict[str, str]:
    """Names of the deployment's kecamatan and kelurahan by code."""
    regions = Region.objects.filter(code__startswith=deployment_code() + ".", level__in=(3, 4))
    return dict(regions.values_list("code", "name"))


# --- spreadsheets --------------------------------------------------------------------------


def today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def spreadsheet_response(
    sheet: spreadsheet.Sheet, filename: str, fmt: str, *, count: int
) -> tuple[HttpResponse | StreamingHttpResponse, int]:
    """The sheet as an attachment, and its number of data rows: CSV streams as it is sent
    (`count` was counted just before), XLSX is written to a temporary file first (a zip
    cannot stream) and counts the rows written."""
    response: HttpResponse | StreamingHttpResponse
    if fmt == ExportFormat.CSV:
        chunks = spreadsheet.csv_stream(sheet.header, sheet.rows)
        response = StreamingHttpResponse(chunks, content_type=CSV_CONTENT_TYPE)
    else:
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse once sent)
        try:
            count = spreadsheet.write_xlsx(file, [sheet])[sheet.name]
        except BaseException:
            file.close()
            raise
        file.seek(0)
        response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"  # personal data: no copy in caches
    return response, count
