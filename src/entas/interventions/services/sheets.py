"""OPD spreadsheets (issue 7, point 7): an organisation's referral list out as XLSX or CSV,
and its delivery list back in.

Export: the organisation's live referrals (those whose family it may see), one row each,
written through `core.spreadsheet` (formula-safe cells, NIK and RT/RW as text). Names,
NIK and street address are given to users who may see full NIK (admins, OPD officers);
anyone else (partners) gets initials, a masked NIK and no street address. The export is
audited: it carries names.

Import is staged (ADR 0005): `delivery_sheet_read` reads the file with the import readers
and checks every row without writing (the preview); `delivery_sheet_commit` checks the
kept rows again against the database as it is then and records the good ones through
`services.referrals.delivery_record`, all in one transaction. A row whose referral,
date, value and evidence are already recorded is skipped, so importing a file twice
records nothing new.
"""

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import access
from entas.accounts.models import Organization, User
from entas.core import spreadsheet
from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.imports import readers
from entas.imports.exceptions import ImportFileError
from entas.interventions import choices as c
from entas.interventions.models import Delivery, Referral
from entas.interventions.services import referrals as referral_services
from entas.registry import choices as rc
from entas.registry.models import Membership

MAX_BYTES = 5 * 1024 * 1024
LIMITS = readers.Limits(max_bytes=MAX_BYTES, max_columns=100)
EVIDENCE_MAX = 200

EXPORT_HEADER = [
    "id_rujukan", "program", "status", "nama", "NIK", "alamat", "RT", "RW", "kelurahan",
    "kebutuhan", "tanggal_usul", "jadwal",
]  # fmt: skip
EXPORT_WIDTHS = [11, 30, 14, 28, 18, 32, 5, 5, 22, 28, 12, 12]
EXPORT_TEXT_COLUMNS = (4, 6, 7)  # NIK, RT, RW


class SheetError(EntasError):
    """A spreadsheet that cannot be exported or imported; nothing was written."""


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", gettext_lazy("Excel (.xlsx)")
    CSV = "csv", gettext_lazy("CSV")


def check_may_use_sheets(actor: User, organization: Organization) -> None:
    """Admins work any organisation's sheets; OPD officers and partners their own only."""
    if access.can_manage_interventions(actor):
        return
    if access.works_for_organization(actor) and actor.organization_id == organization.pk:
        return
    raise SheetError(
        _("Anda hanya dapat memakai daftar organisasi Anda sendiri."), code="forbidden"
    )


# --- export ----------------------------------------------------------------------------


def referral_sheet_rows(*, actor: User, organization: Organization) -> list[list[object]]:
    """The organisation's live referrals as export rows (EXPORT_HEADER), oldest first."""
    referrals = list(
        Referral.objects.filter(organization=organization, status__in=c.LIVE)
        .select_related("programme", "person", "need", "household__kelurahan")
        .order_by("created_at", "pk")
    )
    heads = _heads(referral.household_id for referral in referrals if referral.person is None)
    identified = access.can_see_full_nik(actor)
    return [_export_row(referral, heads, identified=identified) for referral in referrals]


def _heads(household_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    rows = Membership.objects.filter(
        household_id__in=set(household_ids),
        end_date__isnull=True,
        relationship=rc.Relationship.HEAD,
    ).values_list("household_id", "person__full_name", "person__nik")
    return {household_id: (name, nik or "") for household_id, name, nik in rows}


def _export_row(
    referral: Referral, heads: dict[int, tuple[str, str]], *, identified: bool
) -> list[object]:
    household = referral.household
    if referral.person is not None:
        name, nik = referral.person.full_name, referral.person.nik or ""
    else:
        name, nik = heads.get(referral.household_id, ("", ""))
    if not identified:
        name = " ".join(f"{word[0].upper()}***" for word in name.split())
        nik = access.mask_nik(nik)
    need = ""
    if referral.need is not None:
        need = " ".join([str(referral.need.get_kind_display()), referral.need.detail]).strip()
    return [
        referral.pk, referral.programme.name, str(referral.get_status_display()), name, nik,
        household.address if identified else "", household.rt, household.rw,
        household.kelurahan.name, need, timezone.localdate(referral.created_at),
        referral.scheduled_on,
    ]  # fmt: skip


def referral_sheet_export(
    *, actor: User, organization: Organization, format: str, target: IO[Any]
) -> int:
    """Write the organisation's referral list to `target` (bytes for XLSX, text for CSV);
    return the number of rows. Audited in the same transaction."""
    check_may_use_sheets(actor, organization)
    if format not in ExportFormat.values:
        raise SheetError(_("Format unduhan tidak dikenal."), code="format", field="format")
    with transaction.atomic():
        rows = referral_sheet_rows(actor=actor, organization=organization)
        audit_record(
            actor=actor, action="interventions.referral_sheet_export", target=organization,
            summary=f"{len(rows)} rujukan ({format})",
            changes={"rows": len(rows), "format": format},
        )  # fmt: skip
        if format == ExportFormat.CSV:
            return spreadsheet.write_csv(target, EXPORT_HEADER, rows)
        sheet = spreadsheet.Sheet(
            name=_("rujukan"), header=EXPORT_HEADER, rows=rows, widths=EXPORT_WIDTHS,
            text_columns=EXPORT_TEXT_COLUMNS,
        )  # fmt: skip
        return spreadsheet.write_xlsx(target, [sheet])[sheet.name]


# --- import: reading -------------------------------------------------------------------


class Column(models.TextChoices):
    REFERRAL = "id_rujukan", gettext_lazy("id_rujukan")
    DELIVERED_ON = "tanggal_salur", gettext_lazy("tanggal_salur")
    QUANTITY = "jumlah", gettext_lazy("jumlah")
    AMOUNT = "nilai", gettext_lazy("nilai")
    EVIDENCE = "bukti", gettext_lazy("bukti")


REQUIRED_COLUMNS = (Column.REFERRAL, Column.DELIVERED_ON, Column.EVIDENCE)
# Header cells reduced to letters and digits ("Tanggal Salur" → "tanggalsalur").
HEADER_NAMES = {re.sub(r"[^a-z0-9]", "", column.value): column for column in Column}


class RowStatus(models.TextChoices):
    OK = "ok", gettext_lazy("Siap dicatat")
    DUPLICATE = "sudah_ada", gettext_lazy("Sudah tercatat (dilewati)")
    NOT_FILLED = "belum_diisi", gettext_lazy("Belum disalurkan (dilewati)")
    REJECTED = "ditolak", gettext_lazy("Ditolak")


@dataclass(frozen=True)
class RawRow:
    """One data row's cells as text, with its row number as a spreadsheet shows it."""

    row: int
    referral: str
    delivered_on: str
    quantity: str
    amount: str
    evidence: str

    @property
    def is_filled(self) -> bool:
        """Whether any delivery column is filled: an exported row left as it was means
        "not delivered yet", not a mistake."""
        return any((self.delivered_on, self.quantity, self.amount, self.evidence))

    def as_list(self) -> list[Any]:
        return [self.row, self.referral, self.delivered_on, self.quantity, self.amount,
                self.evidence]  # fmt: skip

    @classmethod
    def from_list(cls, values: Sequence[Any]) -> "RawRow":
        row, *cells = values
        return cls(int(row), *(str(cell) for cell in cells))


@dataclass(frozen=True)
class Ready:
    """A row's delivery as `delivery_record` takes it."""

    referral: Referral
    delivered_on: dt.date
    quantity: int
    amount: Decimal
    evidence: str

    def key(self) -> tuple[int, dt.date, Decimal, str]:
        return (self.referral.pk, self.delivered_on, self.amount, self.evidence)


@dataclass(frozen=True)
class CheckedRow:
    raw: RawRow
    status: str  # a `RowStatus`
    reason: str = ""
    delivery: Ready | None = None  # for OK rows

    @property
    def status_label(self) -> str:
        return str(RowStatus(self.status).label)


@dataclass
class SheetReport:
    file_name: str
    rows: list[CheckedRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(RowStatus.values, 0)
        for row in self.rows:
            found[row.status] += 1
        return found

    def ready(self) -> list[CheckedRow]:
        return [row for row in self.rows if row.status == RowStatus.OK]


def delivery_sheet_read(
    *, actor: User, organization: Organization, path: Path, original_name: str = ""
) -> SheetReport:
    """Read an uploaded delivery list and check every row; nothing is written."""
    check_may_use_sheets(actor, organization)
    name = original_name or path.name
    raw = _read_rows(path, name)
    if not raw:
        message = _("Berkas %(name)s tidak berisi baris data di bawah nama kolomnya.")
        raise SheetError(message % {"name": name}, code="empty", field="file")
    return SheetReport(file_name=name, rows=delivery_sheet_check(organization=organization,
                                                                 rows=raw))  # fmt: skip


def _read_rows(path: Path, name: str) -> list[RawRow]:
    with tempfile.TemporaryDirectory(prefix="entas-delivery-") as work_dir:
        try:
            table = readers.read_table(
                path, work_dir=Path(work_dir), original_name=name, limits=LIMITS,
                header_score=_header_score,
            )  # fmt: skip
            columns = _columns(table.headers, name)
            return list(_raw_rows(table, columns))
        except ImportFileError as error:
            raise SheetError(error.message, code=error.code, field="file") from error
        except pl.exceptions.PolarsError as error:
            message = _(
                "Berkas %(name)s tidak dapat dibaca sebagai tabel; simpan ulang dari Excel "
                "sebagai .xlsx atau CSV UTF-8, lalu unggah lagi."
            )
            raise SheetError(message % {"name": name}, code="unreadable", field="file") from error


def _normalised(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _header_score(cells: list[str]) -> int:
    return sum(_normalised(cell) in HEADER_NAMES for cell in cells)


def _columns(headers: list[str], name: str) -> dict[str, int]:
    """`Column` → position of its first column in the header; the required ones must be there."""
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = HEADER_NAMES.get(_normalised(header))
        if column is not None:
            columns.setdefault(column, position)
    missing = [column.value for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        message = _(
            "Berkas %(name)s tidak memiliki kolom %(missing)s. Kolom yang ditemukan: %(found)s. "
            "Beri nama kolom sesuai contoh (id_rujukan, tanggal_salur, jumlah, nilai, bukti), "
            "lalu unggah lagi."
        )
        found = ", ".join(header for header in headers if header.strip()) or "—"
        values = {"name": name, "missing": ", ".join(missing), "found": found}
        raise ImportFileError(message % values, code="missing_columns")
    return columns


def _raw_rows(table: readers.Table, columns: dict[str, int]) -> Iterator[RawRow]:
    names = [f"c{i}" for i in range(len(table.headers))]
    frame = pl.read_csv(
        table.path, separator=table.separator, has_header=False,
        skip_rows=table.skip_rows + 1, schema=dict.fromkeys(names, pl.String), quote_char='"',
        truncate_ragged_lines=True, missing_columns="insert", encoding="utf8-lossy",
    ).with_row_index("_row", offset=table.first_data_row)  # fmt: skip
    for record in frame.select("_row", *names).iter_rows():
        cells = {
            column: (record[position + 1] or "").strip() for column, position in columns.items()
        }
        if any(cells.values()):
            yield RawRow(
                row=record[0],
                referral=cells.get(Column.REFERRAL, ""),
                delivered_on=cells.get(Column.DELIVERED_ON, ""),
                quantity=cells.get(Column.QUANTITY, ""),
                amount=cells.get(Column.AMOUNT, ""),
                evidence=cells.get(Column.EVIDENCE, ""),
            )


# --- import: checking ------------------------------------------------------------------


class RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S")
THOUSANDS = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$")


def delivery_sheet_check(*, organization: Organization, rows: Sequence[RawRow]) -> list[CheckedRow]:
    """Each row's status against the database as it is now (two queries)."""
    referral_ids = {int(row.referral) for row in rows if row.referral.isdigit()}
    referrals = Referral.objects.select_related("programme").in_bulk(
        [pk for pk in referral_ids if pk < 2**31]
    )
    recorded = set(
        Delivery.objects.filter(referral_id__in=referrals).values_list(
            "referral_id", "delivered_on", "amount", "evidence"
        )
    )
    checked: list[CheckedRow] = []
    seen: dict[tuple[int, dt.date, Decimal, str], int] = {}
    for row in rows:
        if not row.is_filled:
            checked.append(CheckedRow(row, RowStatus.NOT_FILLED))
            continue
        try:
            good = _check_row(row, organization, referrals)
        except RowRejected as rejected:
            checked.append(CheckedRow(row, RowStatus.REJECTED, rejected.reason))
            continue
        checked.append(_deduplicated(good, recorded, seen))
    return checked


def _deduplicated(
    row: CheckedRow,
    recorded: set[tuple[int, dt.date, Decimal, str]],
    seen: dict[tuple[int, dt.date, Decimal, str], int],
) -> CheckedRow:
    if row.delivery is None:
        return row
    key = row.delivery.key()
    if key in recorded:
        return CheckedRow(row.raw, RowStatus.DUPLICATE, _("penyaluran ini sudah tercatat"))
    if key in seen:
        reason = _("sama dengan baris %(row)s") % {"row": seen[key]}
        return CheckedRow(row.raw, RowStatus.DUPLICATE, reason)
    seen[key] = row.raw.row
    return row


def _check_row(row: RawRow, organization: Organization, found: dict[int, Referral]) -> CheckedRow:
    referral = _referral(row.referral, organization, found)
    delivered_on = _date(row.delivered_on, referral)
    quantity = _quantity(row.quantity)
    amount = _amount(row.amount)
    if amount is None:
        amount = quantity * referral.programme.unit_cost
    if quantity == 0 and not amount:
        raise RowRejected(_("jumlah dan nilai keduanya nol; isi salah satu."))
    if not row.evidence:
        raise RowRejected(_("kolom bukti kosong; isi nomor tanda terima atau rujukan foto."))
    if len(row.evidence) > EVIDENCE_MAX:
        raise RowRejected(_("bukti terlalu panjang (paling banyak 200 huruf)."))
    return CheckedRow(
        row, RowStatus.OK, delivery=Ready(referral, delivered_on, quantity, amount, row.evidence)
    )


def _referral(value: str, organization: Organization, found: dict[int, Referral]) -> Referral:
    if not value:
        raise RowRejected(_("id_rujukan kosong."))
    if not value.isdigit():
        raise RowRejected(_("id_rujukan harus berupa angka."))
    referral = found.get(int(value))
    # Another organisation's referral reads as unknown: its existence is not revealed.
    if referral is None or referral.organization_id != organization.pk:
        raise RowRejected(
            _("rujukan %(id)s tidak ada di daftar %(org)s.") % {"id": value, "org": organization}
        )
    if c.ReferralStatus.DELIVERED not in c.REFERRAL_TRANSITIONS[c.ReferralStatus(referral.status)]:
        raise RowRejected(
            _("rujukan %(id)s berstatus “%(status)s”; penyaluran tidak dapat dicatat.")
            % {"id": value, "status": referral.get_status_display()}
        )
    return referral


def _date(value: str, referral: Referral) -> dt.date:
    if not value:
        raise RowRejected(_("tanggal_salur kosong."))
    for pattern in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
        break
    else:
        raise RowRejected(
            _("tanggal_salur “%(value)s” tidak dikenali; tulis seperti 31-01-2025.")
            % {"value": value}
        )
    if parsed > timezone.localdate():
        raise RowRejected(_("tanggal_salur di masa depan."))
    proposed = timezone.localdate(referral.created_at)
    if parsed < proposed:
        raise RowRejected(
            _("tanggal_salur sebelum tanggal usulan rujukan (%(date)s).")
            % {"date": proposed.strftime("%d-%m-%Y")}
        )
    return parsed


def _quantity(value: str) -> int:
    if not value:
        return 1
    text = value.removesuffix(".0")
    if not text.lstrip("-").isdigit():
        raise RowRejected(_("jumlah “%(value)s” harus bilangan bulat.") % {"value": value})
    quantity = int(text)
    if quantity < 0:
        raise RowRejected(_("jumlah tidak boleh negatif."))
    return quantity


def _amount(value: str) -> Decimal | None:
    """Rupiah as written in a sheet: 1500000, 1500000.50, 1.500.000 or Rp 1.500.000,00."""
    text = value.replace("Rp", "").replace("rp", "").replace(" ", "").strip()
    if not text:
        return None
    if THOUSANDS.match(text.lstrip("-")):
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowRejected(_("nilai “%(value)s” bukan angka.") % {"value": value}) from None
    if not amount.is_finite():
        raise RowRejected(_("nilai “%(value)s” bukan angka.") % {"value": value})
    if amount < 0:
        raise RowRejected(_("nilai tidak boleh negatif."))
    return amount.quantize(Decimal("0.01"))


# --- import: committing ----------------------------------------------------------------


@dataclass(frozen=True)
class CommitResult:
    recorded: int
    rows: list[CheckedRow]  # every row as checked at commit time


def delivery_sheet_commit(
    *, actor: User, organization: Organization, rows: Sequence[RawRow], file_name: str
) -> CommitResult:
    """Check the rows again and record the good ones in one transaction. When the referral
    service refuses one (a quota or budget reached since the preview), nothing is recorded
    and `SheetError` names the row."""
    check_may_use_sheets(actor, organization)
    with transaction.atomic():
        # Lock the organisation's referrals in the file so the check and the writes agree.
        ids = [int(row.referral) for row in rows if row.referral.isdigit()]
        list(Referral.objects.select_for_update().filter(pk__in=ids, organization=organization))
        checked = delivery_sheet_check(organization=organization, rows=rows)
        ready = [row for row in checked if row.status == RowStatus.OK]
        for row in ready:
            if row.delivery is not None:
                _record(actor, row.raw.row, row.delivery)
        audit_record(
            actor=actor, action="interventions.delivery_sheet_import", target=organization,
            summary=f"{file_name}: {len(ready)} penyaluran",
            changes={"file": file_name, "recorded": len(ready), "rows": len(rows)},
        )  # fmt: skip
    return CommitResult(recorded=len(ready), rows=checked)


def _record(actor: User, number: int, delivery: Ready) -> None:
    try:
        referral_services.delivery_record(
            actor=actor, referral=delivery.referral, delivered_on=delivery.delivered_on,
            quantity=delivery.quantity, amount=delivery.amount, evidence=delivery.evidence,
        )  # fmt: skip
    except referral_services.ReferralError as error:
        message = _("Baris %(row)s: %(reason)s Tidak ada penyaluran yang dicatat.")
        raise SheetError(
            message % {"row": number, "reason": error.message}, code="row_refused"
        ) from error
