"""Forms of the progress pages: which kecamatan to open, the export format, and the
berita acara's meeting and signature blocks. All are GET forms: they change nothing."""

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entas.registry.forms import DATE_INPUT_FORMATS
from entas.verval.selectors_progress import KECAMATAN, KELURAHAN, OFFICER

NAME_LENGTH = 100
TITLE_LENGTH = 120
PLACE_LENGTH = 150


class ExportFormat:
    XLSX = "xlsx"
    CSV = "csv"
    choices = [(XLSX, _("Excel (XLSX)")), (CSV, _("CSV"))]


class ProgressForm(forms.Form):
    """The kecamatan whose kelurahan to show; only kecamatan the user counts are offered."""

    kecamatan = forms.ChoiceField(
        label=_("Kecamatan"),
        required=False,
        error_messages={"invalid_choice": _("Kecamatan ini tidak ada dalam kampanye Anda.")},
    )

    def __init__(self, *args: Any, kecamatan: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Semua kecamatan")), *kecamatan]
        cast(forms.ChoiceField, self.fields["kecamatan"]).choices = choices


class ProgressExportForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Tabel"),
        choices=[
            (KECAMATAN, _("Per kecamatan")),
            (KELURAHAN, _("Per kelurahan")),
            (OFFICER, _("Per petugas")),
        ],
        initial=KECAMATAN,
        required=False,
        error_messages={
            "invalid_choice": _("Pilih tabel per kecamatan, per kelurahan atau per petugas."),
        },
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih format berkas."),
            "invalid_choice": _("Pilih format XLSX atau CSV."),
        },
    )

    def clean_level(self) -> str:
        return self.cleaned_data["level"] or KECAMATAN


class FormatForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih format berkas."),
            "invalid_choice": _("Pilih format XLSX atau CSV."),
        },
    )


def _text(label: Any, limit: int, *, required: bool, missing: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        error_messages={
            "required": missing,
            "max_length": _("Paling panjang %(limit_value)d huruf."),
        },
    )


# The four signature blocks: (field prefix, default title). Names stay blank by default:
# the printed minutes then show a dotted line to write the name by hand.
SIGNERS = (
    ("lurah", _("Lurah %(kelurahan)s")),
    ("lpmk", _("Ketua LPMK %(kelurahan)s")),
    ("officer", _("Petugas verval / TKSK")),
    ("dinsos", _("Perwakilan Dinas Sosial %(region)s")),
)


class MinutesForm(forms.Form):
    """The meeting (date, place) and the names and titles of the four who sign."""

    meeting_date = forms.DateField(
        label=_("Tanggal musyawarah"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Isi tanggal musyawarah."),
            "invalid": _("Tanggal musyawarah tidak valid; tulis seperti 03-02-2025."),
        },
    )
    place = _text(_("Tempat"), PLACE_LENGTH, required=True, missing=_("Isi tempat musyawarah."))
    lurah_title = _text(_("Jabatan"), TITLE_LENGTH, required=True, missing=_("Isi jabatan."))
    lurah_name = _text(_("Nama"), NAME_LENGTH, required=False)
    lpmk_title = _text(_("Jabatan"), TITLE_LENGTH, required=True, missing=_("Isi jabatan."))
    lpmk_name = _text(_("Nama"), NAME_LENGTH, required=False)
    officer_title = _text(_("Jabatan"), TITLE_LENGTH, required=True, missing=_("Isi jabatan."))
    officer_name = _text(_("Nama"), NAME_LENGTH, required=False)
    dinsos_title = _text(_("Jabatan"), TITLE_LENGTH, required=True, missing=_("Isi jabatan."))
    dinsos_name = _text(_("Nama"), NAME_LENGTH, required=False)

    @classmethod
    def initial_for(cls, *, kelurahan: str, region: str) -> dict[str, Any]:
        values = {"kelurahan": kelurahan, "region": region}
        initial: dict[str, Any] = {
            "meeting_date": timezone.localdate(),
            "place": _("Kantor Kelurahan %(kelurahan)s") % values,
        }
        for prefix, title in SIGNERS:
            initial[f"{prefix}_title"] = title % values
        return initial

    def signer_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(title, name) bound fields of each block, in print order."""
        return [(self[f"{prefix}_title"], self[f"{prefix}_name"]) for prefix, _title in SIGNERS]

    def signers(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [
            (" ".join(data[f"{p}_title"].split()), " ".join(data[f"{p}_name"].split()))
            for p, _t in SIGNERS
        ]
