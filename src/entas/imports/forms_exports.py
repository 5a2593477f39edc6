"""The export form: area and programme within what the user may export, and a format.

Choices are limited to the user's areas, so a code outside them is a form error in
Indonesian; the service checks again (`export_filters_check`) for callers without a form.
"""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import User
from entas.imports.exports import ExportFilters, ExportFormat
from entas.registry import choices as c
from entas.registry.forms import kelurahan_choices, kelurahan_field
from entas.registry.selectors import searchable_kelurahan
from entas.wilayah.selectors import region_kecamatan_list


def kecamatan_choices(user: User) -> list[tuple[str, Any]]:
    """The kecamatan holding at least one kelurahan the user may export."""
    parents = searchable_kelurahan(user).values("parent_id")
    kecamatan = region_kecamatan_list().filter(code__in=parents)
    return [("", _("Semua kecamatan")), *((region.code, region.name) for region in kecamatan)]


class ExportForm(forms.Form):
    kecamatan = forms.ChoiceField(
        label=_("Kecamatan"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Kode kecamatan %(value)s tidak dikenal atau di luar wilayah tugas Anda."
            )
        },
    )
    kelurahan = kelurahan_field()
    program = forms.ChoiceField(
        label=_("Program"),
        required=False,
        choices=[("", _("Semua program")), *c.Programme.choices],
        error_messages={"invalid_choice": _("Program %(value)s tidak dikenal.")},
    )
    format = forms.ChoiceField(
        label=_("Format berkas"),
        choices=ExportFormat.choices,
        initial=ExportFormat.XLSX,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih format berkas: XLSX atau CSV."),
            "invalid_choice": _("Format %(value)s tidak dikenal; pilih XLSX atau CSV."),
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kecamatan"]).choices = kecamatan_choices(user)
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = kelurahan_choices(user)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kecamatan, kelurahan = cleaned.get("kecamatan"), cleaned.get("kelurahan")
        if kecamatan and kelurahan and not kelurahan.startswith(kecamatan + "."):
            self.add_error(
                "kelurahan",
                forms.ValidationError(
                    _("Kelurahan ini tidak berada di kecamatan yang dipilih."),
                    code="area_mismatch",
                ),
            )
        return cleaned

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            kecamatan_code=data["kecamatan"],
            kelurahan_code=data["kelurahan"],
            programme=data["program"],
        )
