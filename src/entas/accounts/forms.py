"""Forms of the account pages: sign-in and the audit-log filter."""

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
_TARGET = re.compile(r"^(keluarga|household|individu|person):([0-9]{1,18})$")
_ACTION = re.compile(r"^[a-z_.]+$")


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."
        ),
        "inactive": _("Akun ini tidak aktif. Hubungi admin Dinas Sosial."),
    }


def _date_field(label: "StrOrPromise") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Tanggal tidak valid; tulis seperti 31-12-2025.")},
    )


class AuditFilterForm(forms.Form):
    pelaku = forms.CharField(label=_("Pelaku (nama pengguna)"), required=False, max_length=150)
    tindakan = forms.CharField(
        label=_("Tindakan"),
        required=False,
        max_length=64,
        help_text=_("Awal kode tindakan, misalnya person. atau household.view"),
    )
    dari = _date_field(_("Dari tanggal"))
    sampai = _date_field(_("Sampai tanggal"))
    sasaran = forms.CharField(
        label=pgettext_lazy("audit", "Sasaran"),
        required=False,
        max_length=40,
        help_text=_("keluarga:ID (termasuk anggotanya) atau individu:ID"),
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100000,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Nomor halaman harus berupa angka.")},
    )

    def clean_tindakan(self) -> str:
        action = self.cleaned_data["tindakan"].strip()
        if action and not _ACTION.match(action):
            raise forms.ValidationError(
                _("Kode tindakan hanya berisi huruf kecil, titik dan garis bawah."),
                code="action_invalid",
            )
        return action

    def clean_sasaran(self) -> str:
        target = self.cleaned_data["sasaran"].strip().lower()
        if target and not _TARGET.match(target):
            raise forms.ValidationError(
                _("Tulis sasaran seperti keluarga:42 atau individu:17."), code="target_invalid"
            )
        return target

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("dari"), cleaned.get("sampai")
        if start and end and start > end:
            self.add_error("sampai", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Arguments for `core.selectors.audit_event_list`."""
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "actor_username": data["pelaku"].strip(),
            "action": data["tindakan"],
            "date_from": data["dari"],
            "date_to": data["sampai"],
        }
        match = _TARGET.match(data["sasaran"])
        if match and match.group(1) in ("keluarga", "household"):
            filters["trail"] = f"household:{match.group(2)}"
        elif match:
            filters["target_type"], filters["target_id"] = "registry.person", match.group(2)
        return filters
