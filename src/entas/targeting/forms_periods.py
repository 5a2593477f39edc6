"""Forms of the period pages: a new period, comparing two periods, exports, causes, findings
and alerts. They turn typed text into service arguments or say in Indonesian why not; the
services check again and their `TargetingError` is shown on the same form."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.registry.forms import DATE_INPUT_FORMATS
from entas.targeting import choices as c
from entas.targeting.models import Period


class ExportFormat:
    XLSX = "xlsx"
    CSV = "csv"
    choices = [(XLSX, _("Excel (XLSX)")), (CSV, _("CSV"))]


def _date_field(label: Any, invalid: Any, required: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": invalid, "required": required},
    )


def _note_field(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _("Catatan paling panjang %(limit_value)d huruf."),
            "required": _("Tuliskan catatannya."),
        },
    )


class PeriodForm(forms.Form):
    code = forms.CharField(
        label=_("Kode"),
        max_length=20,
        help_text=_("Huruf, angka, “-” atau “_”, misalnya 2025-02 atau 2025-Q2."),
        error_messages={
            "required": _("Isi kode periode."),
            "max_length": _("Kode periode paling panjang 20 huruf."),
        },
    )
    name = forms.CharField(
        label=_("Nama"),
        max_length=60,
        required=False,
        help_text=_("Misalnya “Februari 2025”; kosong berarti sama dengan kode."),
        error_messages={"max_length": _("Nama periode paling panjang 60 huruf.")},
    )
    starts_on = _date_field(
        _("Mulai"),
        _("Tanggal mulai tidak valid; tulis seperti 01-02-2025."),
        _("Isi tanggal mulai periode."),
    )
    ends_on = _date_field(
        _("Tanggal acuan (akhir)"),
        _("Tanggal akhir tidak valid; tulis seperti 28-02-2025."),
        _("Isi tanggal akhir periode: data per tanggal ini yang diklasifikasi."),
    )


def _classified_choices() -> list[tuple[str, str]]:
    periods = Period.objects.filter(classified_at__isnull=False).order_by("-ends_on")
    return [("", "—"), *((period.code, f"{period.name} ({period.code})") for period in periods)]


class CompareForm(forms.Form):
    """Two classified periods; the older is A whatever the order they were chosen in."""

    a = forms.ChoiceField(
        label=_("Periode A"),
        error_messages={
            "required": _("Pilih periode A."),
            "invalid_choice": _("Periode %(value)s tidak ada atau belum diklasifikasi."),
        },
    )
    b = forms.ChoiceField(
        label=_("Periode B"),
        error_messages={
            "required": _("Pilih periode B."),
            "invalid_choice": _("Periode %(value)s tidak ada atau belum diklasifikasi."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _classified_choices()
        for name in ("a", "b"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("a") and cleaned.get("a") == cleaned.get("b"):
            raise forms.ValidationError(
                _("Pilih dua periode yang berbeda untuk dibandingkan."), code="same_period"
            )
        return cleaned

    def periods(self) -> tuple[Period, Period]:
        found = {p.code: p for p in Period.objects.filter(code__in=self.cleaned_data.values())}
        return found[self.cleaned_data["a"]], found[self.cleaned_data["b"]]


FORMAT_ERRORS = {
    "required": _("Pilih format berkas: XLSX atau CSV."),
    "invalid_choice": _("Format %(value)s tidak dikenal; pilih XLSX atau CSV."),
}


class FormatForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format berkas"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages=FORMAT_ERRORS,
    )


class PeriodExportForm(FormatForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua status")), *c.Status.choices],
        error_messages={"invalid_choice": _("Status %(value)s tidak dikenal.")},
    )


class CauseForm(forms.Form):
    """Add (present) or remove (not present) one cause of a family's poverty."""

    cause = forms.ChoiceField(
        label=_("Penyebab"),
        choices=c.Cause.choices,
        error_messages={
            "required": _("Pilih penyebabnya."),
            "invalid_choice": _("Penyebab %(value)s tidak dikenal."),
        },
    )
    present = forms.TypedChoiceField(
        choices=[("1", _("Tambah")), ("0", _("Hapus"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
        error_messages={"required": _("Pilih tambah atau hapus.")},
    )
    note = _note_field(_("Catatan"))


class FindingForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Hasil kunjungan"),
        choices=c.FindingOutcome.choices,
        error_messages={
            "required": _("Pilih hasil kunjungan."),
            "invalid_choice": _("Hasil kunjungan %(value)s tidak dikenal."),
        },
    )
    observed_on = _date_field(
        _("Tanggal kunjungan"),
        _("Tanggal kunjungan tidak valid; tulis seperti 15-01-2025."),
        _("Isi tanggal kunjungan."),
    )
    note = _note_field(_("Catatan"))


class ResolveForm(forms.Form):
    # Not required here: the service says in full what is missing (one message, one place).
    note = _note_field(_("Apa yang dilakukan"))
