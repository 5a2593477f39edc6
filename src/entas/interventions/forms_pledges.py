"""Forms of the partners' pledge pages and the OPD spreadsheets. They turn typed text into
service arguments or say in Indonesian why not; the services check again and their
errors are shown on the same form, with what was typed kept."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import Organization, User
from entas.imports.forms import SpreadsheetFileField
from entas.interventions import selectors_pledges as selectors
from entas.interventions.services.sheets import MAX_BYTES, ExportFormat
from entas.registry.forms import DATE_INPUT_FORMATS
from entas.verval.choices import NeedKind


class PledgeForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Mitra"),
        queryset=Organization.objects.none(),
        error_messages={"required": _("Pilih mitra."), "invalid_choice": _("Pilih mitra.")},
    )
    period = forms.ModelChoiceField(
        label=_("Periode"),
        queryset=selectors.period_choices(),
        error_messages={"required": _("Pilih periode."), "invalid_choice": _("Pilih periode.")},
    )
    need_kind = forms.ChoiceField(
        label=_("Kebutuhan yang dibantu"),
        choices=NeedKind.choices,
        error_messages={"required": _("Pilih kebutuhan.")},
    )
    need_detail = forms.CharField(
        label=_("Rincian (boleh kosong)"),
        max_length=120,
        required=False,
        help_text=_("Misalnya “Kursi roda” untuk alat bantu; kosong = semua rincian."),
    )
    area = forms.ModelChoiceField(
        label=_("Wilayah (boleh kosong = seluruh kota)"),
        queryset=selectors.area_choices(),
        required=False,
        error_messages={"invalid_choice": _("Pilih kecamatan atau kelurahan dari daftar.")},
    )
    quantity = forms.IntegerField(
        label=_("Jumlah keluarga/satuan"),
        min_value=1,
        max_value=100_000,
        error_messages={
            "required": _("Isi jumlah bantuan."),
            "invalid": _("Jumlah harus bilangan bulat."),
            "min_value": _("Jumlah bantuan paling sedikit 1."),
            "max_value": _("Jumlah bantuan paling banyak 100.000."),
        },
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = cast(forms.ModelChoiceField, self.fields["partner"])
        partners.queryset = selectors.partner_choices(user=user)
        if partners.queryset.count() == 1:
            partners.initial = partners.queryset.first()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Tuliskan alasannya.")},
    )


class DeliveredForm(forms.Form):
    delivered_on = forms.DateField(
        label=_("Tanggal penyerahan"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Isi tanggal penyerahan."),
            "invalid": _("Tanggal tidak valid; tulis seperti 31-01-2025."),
        },
    )


# --- OPD spreadsheets ------------------------------------------------------------------


class SheetOrganizationForm(forms.Form):
    """The organisation whose referrals are exported or imported: chosen by admins, fixed
    to their own for OPD officers and partners."""

    organization = forms.ModelChoiceField(
        label=_("Organisasi"),
        queryset=Organization.objects.none(),
        error_messages={
            "required": _("Pilih organisasi."),
            "invalid_choice": _("Pilih organisasi dari daftar."),
        },
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])
        field.queryset = organizations
        if organizations.count() == 1:
            field.initial = organizations.first()


class ExportForm(SheetOrganizationForm):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih format."), "invalid_choice": _("Pilih format.")},
    )


class ImportForm(SheetOrganizationForm):
    file = SpreadsheetFileField(
        max_bytes=MAX_BYTES,
        label=_("Berkas daftar penyaluran (CSV atau Excel .xlsx)"),
        help_text=_(
            "Kolom: id_rujukan, tanggal_salur, jumlah, nilai, bukti; baris pertama berisi nama "
            "kolom. Paling besar 5 MB."
        ),
    )
