"""By-name-by-address (BNBA) lists: the current members of active households, one row per
person, for the areas and programme a user chooses, as CSV or XLSX.

Reading goes through `household_scope(user)`, like every registry page (ADR 0004): a
field officer's list holds only their areas, and a filter outside them is refused with a
message rather than answered with an empty file. NIK and No. KK are masked for roles that
may not see them in full. Every export is one `export.list` audit event with the filters
and the number of rows.

The rows stream: one ordered query read in chunks, plus one query per chunk for the
households' programmes, so memory stays flat at a million persons.
"""

import datetime as dt
import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import access
from entas.accounts.models import User
from entas.core import spreadsheet
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.registry import choices as c
from entas.registry.models import Membership, ProgrammeReceipt
from entas.registry.selectors import household_scope, searchable_kelurahan
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

EXPORT_CHUNK_SIZE = 2000
FILE_CHUNK_BYTES = 64 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

BNBA_HEADER = (
    gettext_lazy("Kecamatan"),
    gettext_lazy("Kelurahan"),
    gettext_lazy("Alamat"),
    gettext_lazy("RT"),
    gettext_lazy("RW"),
    gettext_lazy("No. KK"),
    gettext_lazy("NIK"),
    gettext_lazy("Nama"),
    gettext_lazy("Hubungan dengan kepala keluarga"),
    gettext_lazy("Jenis kelamin"),
    gettext_lazy("Tanggal lahir"),
    gettext_lazy("Umur"),
    gettext_lazy("Desil"),
    gettext_lazy("Program"),
    gettext_lazy("Status"),
)
# Positions in BNBA_HEADER that must stay text in XLSX (leading zeros, 16 digits).
BNBA_TEXT_COLUMNS = (3, 4, 5, 6)
BNBA_WIDTHS = (16, 18, 32, 5, 5, 19, 19, 28, 18, 12, 12, 6, 6, 36, 10)
_MEMBER_FIELDS = (
    "household__kelurahan_id",
    "household__address",
    "household__rt",
    "household__rw",
    "household__kk_number",
    "person__nik",
    "person__full_name",
    "relationship",
    "person__sex",
    "person__birth_date",
    "household__current_welfare__desil",
    "household_id",
    "person__status",
)
_RELATIONSHIP_ORDER = Case(
    *(When(relationship=value, then=Value(index)) for index, value in enumerate(c.Relationship)),
    default=Value(len(c.Relationship)),
    output_field=models.IntegerField(),
)


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", gettext_lazy("Excel (XLSX)")
    CSV = "csv", gettext_lazy("CSV")


class ExportRefused(EntasError):
    """An export the user may not have: a filter outside their area, an unknown code, or
    a list too long for the chosen format. The message says what to change."""


@dataclass(frozen=True)
class ExportFilters:
    """What to list: an area (kecamatan and/or kelurahan code) and a national programme.
    Empty means no restriction beyond the user's scope."""

    kecamatan_code: str = ""
    kelurahan_code: str = ""
    programme: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class ExportFile:
    """A finished export for a view to send: `chunks` is read once, as the response body;
    it has `close()` for when the response ends early."""

    filename: str
    content_type: str
    count: int
    chunks: Iterable[str] | Iterable[bytes]


# --- selectors -----------------------------------------------------------------------


def export_filters_check(*, user: User, filters: ExportFilters) -> None:
    """Refuse (ExportRefused) an area outside the user's scope or an unknown programme."""
    if filters.programme and filters.programme not in c.Programme.values:
        message = _("Program %(code)s tidak dikenal.") % {"code": filters.programme}
        raise ExportRefused(message, code="programme_unknown", field="program")
    kecamatan, kelurahan = filters.kecamatan_code, filters.kelurahan_code
    if not (kecamatan or kelurahan):
        return
    allowed = set(searchable_kelurahan(user).values_list("code", flat=True))
    if kecamatan and not any(code.startswith(kecamatan + ".") for code in allowed):
        message = _("Kecamatan %(code)s tidak dikenal atau di luar wilayah tugas Anda.")
        raise ExportRefused(message % {"code": kecamatan}, code="area_outside", field="kecamatan")
    if kelurahan and kelurahan not in allowed:
        message = _("Kelurahan %(code)s tidak dikenal atau di luar wilayah tugas Anda.")
        raise ExportRefused(message % {"code": kelurahan}, code="area_outside", field="kelurahan")
    if kecamatan and kelurahan and not kelurahan.startswith(kecamatan + "."):
        message = _("Kelurahan %(kelurahan)s tidak berada di kecamatan %(kecamatan)s.") % {
            "kelurahan": kelurahan,
            "kecamatan": kecamatan,
        }
        raise ExportRefused(message, code="area_mismatch", field="kelurahan")


def bnba_members(*, user: User, filters: ExportFilters) -> QuerySet[Membership]:
    """Current memberships of active households in the user's scope matching `filters`
    (unchecked: call `export_filters_check` first), in list order: kelurahan, RW, RT,
    household, head first, then by age."""
    members = Membership.objects.filter(
        household__in=household_scope(user),
        household__status=c.HouseholdStatus.ACTIVE,
        end_date__isnull=True,
    )
    if filters.kecamatan_code:
        members = members.filter(
            household__kelurahan__code__startswith=filters.kecamatan_code + "."
        )
    if filters.kelurahan_code:
        members = members.filter(household__kelurahan_id=filters.kelurahan_code)
    if filters.programme:
        receipts = ProgrammeReceipt.objects.filter(
            household_id=OuterRef("household_id"), programme=filters.programme
        )
        members = members.filter(Exists(receipts))
    return members.order_by(
        "household__kelurahan_id",
        "household__rw",
        "household__rt",
        "household_id",
        _RELATIONSHIP_ORDER,
        "person__birth_date",
        "pk",
    )


def bnba_count(*, user: User, filters: ExportFilters) -> int:
    return bnba_members(user=user, filters=filters).order_by().count()


def bnba_rows(
    *, user: User, filters: ExportFilters, chunk_size: int = EXPORT_CHUNK_SIZE
) -> Iterator[tuple[Any, ...]]:
    """The BNBA rows (columns of `BNBA_HEADER`) of `bnba_members`, streamed."""
    labels = _Labels(full_nik=access.can_see_full_nik(user))
    members = bnba_members(user=user, filters=filters).values_list(*_MEMBER_FIELDS)
    for chunk in _chunks(members.iterator(chunk_size=chunk_size), chunk_size):
        programmes = labels.programmes_of({values[11] for values in chunk})
        for values in chunk:
            yield labels.row(values, programmes.get(values[11], ""))


def _chunks(items: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Labels:
    """Turns a row of `_MEMBER_FIELDS` into a BNBA row: names for codes, masked numbers
    when the user may not see them, ages as of today. Labels are resolved once, in the
    active language."""

    def __init__(self, *, full_nik: bool) -> None:
        self.full_nik = full_nik
        self.today = timezone.localdate()
        self.regions = dict(
            Region.objects.filter(
                code__startswith=deployment_code() + ".", level__in=(3, 4)
            ).values_list("code", "name")
        )
        self.relationship = _label_map(c.Relationship.choices)
        self.sex = _label_map(c.Sex.choices)
        self.status = _label_map(c.PersonStatus.choices)
        self.programme = _label_map(c.Programme.choices)

    def programmes_of(self, household_ids: set[int]) -> dict[int, str]:
        """Each household's programmes as one comma-separated list, in `Programme` order."""
        found: dict[int, set[str]] = {}
        receipts = ProgrammeReceipt.objects.filter(household_id__in=household_ids)
        for household_id, programme in receipts.values_list("household_id", "programme").distinct():
            found.setdefault(household_id, set()).add(programme)
        return {
            household_id: ", ".join(
                label for value, label in self.programme.items() if value in programmes
            )
            for household_id, programmes in found.items()
        }

    def row(self, values: tuple[Any, ...], programmes: str) -> tuple[Any, ...]:
        (kelurahan, address, rt, rw, kk, nik, name, relationship, sex, born, desil, _id, status) = (
            values
        )
        kecamatan = kelurahan.rsplit(".", 1)[0]
        return (
            self.regions.get(kecamatan, kecamatan),
            self.regions.get(kelurahan, kelurahan),
            address,
            rt,
            rw,
            self._number(kk),
            self._number(nik),
            name,
            self.relationship.get(relationship, relationship),
            self.sex.get(sex, sex),
            born,
            _age(born, self.today),
            desil,
            programmes,
            self.status.get(status, status),
        )

    def _number(self, number: str | None) -> str:
        if not number:
            return ""
        return number if self.full_nik else access.mask_nik(number)


def _label_map(choices: Sequence[tuple[Any, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _age(born: dt.date | None, today: dt.date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- service -------------------------------------------------------------------------


def export_list(*, user: User, filters: ExportFilters, fmt: str) -> ExportFile:
    """A BNBA list for `user`, recorded in the audit trail.

    CSV streams as the response is sent, so its audit count is the count just before
    (rows changed in between would differ); XLSX is written to an anonymous temporary
    file first (a zip cannot stream) and its count is the rows written. A list longer
    than an XLSX sheet is refused before anything is written.
    """
    if not access.can_view_registry(user):
        raise PermissionDenied
    if fmt not in ExportFormat.values:
        raise ExportRefused(
            _("Format %(fmt)s tidak dikenal.") % {"fmt": fmt}, code="format_unknown", field="format"
        )
    export_filters_check(user=user, filters=filters)
    count = bnba_count(user=user, filters=filters)
    rows = bnba_rows(user=user, filters=filters)
    header = [str(title) for title in BNBA_HEADER]
    filename = _filename(filters, fmt)
    if fmt == ExportFormat.CSV:
        _audit(user, filters, fmt, count)
        return ExportFile(filename, CSV_CONTENT_TYPE, count, spreadsheet.csv_stream(header, rows))
    _refuse_too_long_for_xlsx(count)
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileChunks once sent)
    sheet = spreadsheet.Sheet(
        name="BNBA", header=header, rows=rows, widths=BNBA_WIDTHS, text_columns=BNBA_TEXT_COLUMNS
    )
    try:
        count = spreadsheet.write_xlsx(file, [sheet])[sheet.name]
    except BaseException:
        file.close()
        raise
    _audit(user, filters, fmt, count)
    file.seek(0)
    return ExportFile(filename, XLSX_CONTENT_TYPE, count, FileChunks(file))


def _refuse_too_long_for_xlsx(count: int) -> None:
    if count > spreadsheet.XLSX_MAX_DATA_ROWS:
        raise ExportRefused(
            _(
                "Daftar ini berisi %(count)s individu, lebih dari batas satu lembar Excel "
                "(%(limit)s baris). Pilih format CSV atau persempit wilayahnya."
            )
            % {"count": _number(count), "limit": _number(spreadsheet.XLSX_MAX_DATA_ROWS)},
            code="xlsx_too_many_rows",
            field="format",
        )


def _audit(user: User, filters: ExportFilters, fmt: str, count: int) -> None:
    area = filters.kelurahan_code or filters.kecamatan_code or _("semua wilayah")
    programme = filters.programme or _("semua program")
    audit_record(
        actor=user,
        action="export.list",
        summary=_("Ekspor BNBA (%(fmt)s): %(count)s individu; wilayah %(area)s; %(programme)s")
        % {"fmt": fmt.upper(), "count": _number(count), "area": area, "programme": programme},
        changes={"filters": filters.as_dict(), "format": fmt, "count": count},
    )


def _number(count: int) -> str:
    return f"{count:,}".replace(",", ".")


def _filename(filters: ExportFilters, fmt: str) -> str:
    area = filters.kelurahan_code or filters.kecamatan_code or deployment_code()
    parts = ["bnba", area, filters.programme, timezone.localdate().strftime("%Y%m%d")]
    return "-".join(part for part in parts if part) + "." + fmt


class FileChunks:
    """A binary file read in blocks, closed when the response closes (or is exhausted)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def __iter__(self) -> Iterator[bytes]:
        with self.file:
            while block := self.file.read(FILE_CHUNK_BYTES):
                yield block

    def close(self) -> None:
        self.file.close()
