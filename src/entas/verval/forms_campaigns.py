"""Forms of the campaign pages. They turn typed text into service arguments or say in
Indonesian why not; the services check again and their `VervalError` is shown on the same
form, with what was typed kept."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import User
from entas.imports.forms import SpreadsheetFileField
from entas.registry.forms import DATE_INPUT_FORMATS
from entas.targeting.models import Period
from entas.verval.services.upload import MAX_BYTES


class Scope:
    PERIOD = "periode"
    UPLOAD = "unggahan"
    choices = [
        (PERIOD, _("Keluarga miskin ekstrem dan kandidat verval periode ini")),
        (UPLOAD, _("Daftar unggahan (CSV atau Excel), diunggah setelah kampanye dibuat")),
    ]


def _date_field(label: Any, invalid: Any, required: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": invalid, "required": required},
    )


def _reason_field(label: Any, required_message: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": required_message,
            "max_length": _("Alasan paling panjang %(limit_value)d huruf."),
        },
    )


class PeriodChoiceField(forms.ModelChoiceField[Period]):
    def label_from_instance(self, obj: Period) -> str:
        if obj.classified_at is None:
            return f"{obj.name} ({obj.code}) — {_('belum diklasifikasi')}"
        return f"{obj.name} ({obj.code})"


class OfficerChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return officer_label(obj)


class OfficerMultipleChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return officer_label(obj)


def officer_label(officer: User) -> str:
    """The officer's name and their areas' names, so two Budis can be told apart."""
    areas = ", ".join(sorted(area.name for area in officer.areas.all()))
    return f"{officer.full_name or officer.username} ({areas or _('tanpa wilayah')})"


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Nama kampanye"),
        max_length=120,
        help_text=_("Misalnya “Verval Januari 2025”."),
        error_messages={
            "required": _("Isi nama kampanye."),
            "max_length": _("Nama kampanye paling panjang 120 huruf."),
        },
    )
    period = PeriodChoiceField(
        label=_("Periode sasaran"),
        queryset=Period.objects.order_by("-ends_on"),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Periode itu tidak ada; pilih dari daftar.")},
    )
    starts_on = _date_field(
        _("Mulai"),
        _("Tanggal mulai tidak valid; tulis seperti 02-01-2025."),
        _("Isi tanggal mulai kunjungan."),
    )
    deadline = _date_field(
        _("Batas waktu"),
        _("Batas waktu tidak valid; tulis seperti 31-01-2025."),
        _("Isi batas waktu kunjungan."),
    )
    scope = forms.ChoiceField(
        label=_("Keluarga yang dikunjungi"),
        choices=Scope.choices,
        initial=Scope.PERIOD,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih dari mana keluarga kampanye diambil."),
            "invalid_choice": _("Pilihan %(value)s tidak dikenal."),
        },
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Catatan paling panjang %(limit_value)d huruf.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == Scope.PERIOD and not cleaned.get("period"):
            self.add_error("period", _("Pilih periode yang keluarganya akan dikunjungi."))
        starts_on, deadline = cleaned.get("starts_on"), cleaned.get("deadline")
        if starts_on and deadline and deadline < starts_on:
            self.add_error("deadline", _("Batas waktu tidak boleh sebelum tanggal mulai."))
        return cleaned


class UploadForm(forms.Form):
    file = SpreadsheetFileField(
        max_bytes=MAX_BYTES,
        label=_("Berkas daftar keluarga (CSV atau Excel .xlsx)"),
        help_text=_(
            "Satu kolom bernama nik, no_kk atau id_keluarga; baris pertama berisi nama kolom. "
            "Paling besar 5 MB."
        ),
    )


class AreaChoice:
    ALL = "semua"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    choices = [
        (ALL, _("Semua keluarga yang belum punya petugas")),
        (KECAMATAN, _("Satu kecamatan")),
        (KELURAHAN, _("Kelurahan yang dipilih")),
    ]


class OfficerChoice:
    COVERING = "wilayah"
    CHOSEN = "pilih"
    choices = [
        (COVERING, _("Petugas yang wilayah tugasnya mencakup kelurahan itu")),
        (CHOSEN, _("Petugas yang dipilih")),
    ]


class AssignForm(forms.Form):
    """Which unassigned households to share out, and among whom."""

    area = forms.ChoiceField(
        label=_("Keluarga"),
        choices=AreaChoice.choices,
        initial=AreaChoice.ALL,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih keluarga mana yang dibagi.")},
    )
    kecamatan = forms.ChoiceField(
        label=_("Kecamatan"),
        required=False,
        error_messages={"invalid_choice": _("Kecamatan %(value)s tidak ada dalam kampanye ini.")},
    )
    kelurahan = forms.MultipleChoiceField(
        label=_("Kelurahan"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Kelurahan %(value)s tidak ada dalam kampanye ini.")},
    )
    officer_choice = forms.ChoiceField(
        label=_("Petugas"),
        choices=OfficerChoice.choices,
        initial=OfficerChoice.COVERING,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih petugas mana yang menerima tugas.")},
    )
    officers = OfficerMultipleChoiceField(
        label=_("Petugas yang dipilih"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Petugas itu tidak ada atau tidak aktif.")},
    )

    def __init__(
        self,
        *args: Any,
        kecamatan: list[tuple[str, str]],
        kelurahan: list[tuple[str, str]],
        officers: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kecamatan"]).choices = [("", "—"), *kecamatan]
        cast(forms.MultipleChoiceField, self.fields["kelurahan"]).choices = kelurahan
        cast(OfficerMultipleChoiceField, self.fields["officers"]).queryset = officers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        area = cleaned.get("area")
        if area == AreaChoice.KECAMATAN and not cleaned.get("kecamatan"):
            self.add_error("kecamatan", _("Pilih kecamatannya."))
        if area == AreaChoice.KELURAHAN and not cleaned.get("kelurahan"):
            self.add_error("kelurahan", _("Pilih sedikitnya satu kelurahan."))
        chosen = cleaned.get("officer_choice") == OfficerChoice.CHOSEN
        if chosen and not cleaned.get("officers"):
            self.add_error("officers", _("Pilih sedikitnya satu petugas."))
        return cleaned

    def kelurahan_codes(self, all_codes: list[str]) -> list[str] | None:
        """The chosen kelurahan; None for every kelurahan of the campaign."""
        area = self.cleaned_data["area"]
        if area == AreaChoice.KECAMATAN:
            prefix = self.cleaned_data["kecamatan"] + "."
            return [code for code in all_codes if code.startswith(prefix)]
        if area == AreaChoice.KELURAHAN:
            return list(self.cleaned_data["kelurahan"])
        return None

    def chosen_officers(self) -> list[User] | None:
        if self.cleaned_data["officer_choice"] == OfficerChoice.CHOSEN:
            return list(self.cleaned_data["officers"])
        return None


class ReassignForm(forms.Form):
    """Move an officer's open households (all, in one kelurahan, or those ticked on the
    households page) to another officer."""

    from_officer = OfficerChoiceField(
        label=_("Dari petugas"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": _("Petugas asal itu tidak memegang tugas di sini.")},
    )
    kelurahan = forms.ChoiceField(
        label=_("Hanya di kelurahan"),
        required=False,
        error_messages={"invalid_choice": _("Kelurahan %(value)s tidak ada dalam kampanye ini.")},
    )
    assignments = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": _("Keluarga yang dipilih tidak ada dalam kampanye.")},
    )
    to_officer = OfficerChoiceField(
        label=_("Ke petugas"),
        queryset=User.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Pilih petugas yang menerima tugas."),
            "invalid_choice": _("Petugas itu tidak ada atau tidak aktif."),
        },
    )
    reason = _reason_field(_("Alasan"), _("Tuliskan alasan pemindahan tugas."))

    def __init__(
        self,
        *args: Any,
        from_officers: Any,
        to_officers: Any,
        kelurahan: list[tuple[str, str]],
        assignment_ids: list[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(OfficerChoiceField, self.fields["from_officer"]).queryset = from_officers
        cast(OfficerChoiceField, self.fields["to_officer"]).queryset = to_officers
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = [("", "—"), *kelurahan]
        cast(forms.TypedMultipleChoiceField, self.fields["assignments"]).choices = [
            (pk, str(pk)) for pk in assignment_ids
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("from_officer") or cleaned.get("assignments")
        if not chosen and "from_officer" not in self.errors:
            self.add_error("from_officer", _("Pilih petugas asal tugas yang dipindahkan."))
        source, target = cleaned.get("from_officer"), cleaned.get("to_officer")
        if source and target and source == target:
            self.add_error("to_officer", _("Petugas tujuan harus berbeda dari petugas asal."))
        return cleaned


class RemoveForm(forms.Form):
    reason = _reason_field(
        _("Alasan mengeluarkan"), _("Tuliskan alasan mengeluarkan keluarga ini.")
    )
