"""The form of report matching: what a citizen told the officer, checked in Indonesian.

Only the name is required. A reported age is a hint shown beside the candidates and is
never turned into a birth date: a guessed date would count as evidence in the model.
"""

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import User
from entas.registry import choices as c
from entas.registry.forms import DATE_INPUT_FORMATS, kelurahan_choices, kelurahan_field
from entas.registry.services import name_tokens
from entas.wilayah import identity

MAX_AGE = 120
# Forms of address a reporter puts before a name ("Bu Aminah"); registries never have them.
HONORIFICS = frozenset(
    {"bu", "ibu", "bapak", "pak", "bpk", "mbah", "mbak", "mas", "ny", "nyonya", "sdr", "sdri"}
)


class ReportForm(forms.Form):
    nama = forms.CharField(
        label=_("Nama"),
        max_length=150,
        help_text=_("Nama yang disebut pelapor, boleh tanpa sapaan (Bu, Pak, Mbah)."),
        error_messages={
            "required": _("Nama wajib diisi."),
            "max_length": _("Nama paling panjang %(limit_value)s huruf."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    tanggal_lahir = forms.DateField(
        label=_("Tanggal lahir"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Tanggal lahir tidak valid; tulis seperti 31-12-1980.")},
    )
    umur = forms.IntegerField(
        label=_("Perkiraan umur (tahun)"),
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        help_text=_("Bila tanggal lahir tidak diketahui; hanya ditampilkan sebagai petunjuk."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Perkiraan umur harus berupa angka."),
            "min_value": _("Perkiraan umur tidak boleh negatif."),
            "max_value": _("Perkiraan umur paling besar %(limit_value)s tahun."),
        },
    )
    jenis_kelamin = forms.ChoiceField(
        label=_("Jenis kelamin"),
        required=False,
        choices=[("", _("Tidak diketahui")), *c.Sex.choices],
        error_messages={"invalid_choice": _("Jenis kelamin %(value)s tidak dikenal.")},
    )
    kelurahan = kelurahan_field()
    alamat = forms.CharField(
        label=_("Alamat"),
        required=False,
        max_length=255,
        help_text=_("Misalnya: Jl. Kedungmundu RT 3 RW 2."),
        error_messages={"max_length": _("Alamat paling panjang %(limit_value)s huruf.")},
    )
    nama_ibu = forms.CharField(
        label=_("Nama ibu kandung"),
        required=False,
        max_length=150,
        error_messages={"max_length": _("Nama ibu paling panjang %(limit_value)s huruf.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kelurahan = cast(forms.ChoiceField, self.fields["kelurahan"])
        kelurahan.choices = kelurahan_choices(user)
        kelurahan.help_text = _("Kosongkan bila tidak diketahui: dicari di seluruh wilayah Anda.")

    def clean_nama(self) -> str:
        words = self.cleaned_data["nama"].split()
        while len(words) > 1 and words[0].lower().rstrip(".") in HONORIFICS:
            words = words[1:]
        name = " ".join(words)
        if not any(len(word) >= 2 for word in name_tokens(name)):
            raise forms.ValidationError(_("Ketik sedikitnya 2 huruf nama."), code="name_short")
        return name

    def clean_nik(self) -> str:
        text = self.cleaned_data["nik"].strip()
        if not text:
            return ""
        nik = identity.parse_nik(text)
        if not nik.valid:
            raise forms.ValidationError(nik.message, code=f"nik_{nik.error}")
        return nik.number or ""

    def clean_tanggal_lahir(self) -> dt.date | None:
        born = self.cleaned_data["tanggal_lahir"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError(
                _("Tanggal lahir tidak boleh di masa depan."), code="date_future"
            )
        return born

    def match_values(self) -> dict[str, Any]:
        """The report as `linkage.services.match_record` takes it (blank values left out)."""
        data = self.cleaned_data
        values = {
            "full_name": data["nama"],
            "nik": data["nik"],
            "birth_date": data["tanggal_lahir"],
            "sex": data["jenis_kelamin"],
            "kelurahan_code": data["kelurahan"],
            "address": data["alamat"].strip(),
            "mother_name": " ".join(data["nama_ibu"].split()),
        }
        return {name: value for name, value in values.items() if value}

    @property
    def reported_age(self) -> int | None:
        """The age the reporter guessed, only when no birth date was given."""
        if self.cleaned_data.get("tanggal_lahir"):
            return None
        return cast(int | None, self.cleaned_data.get("umur"))
