"""Forms of the registry pages. They turn typed text into selector arguments, or explain in
Indonesian why they cannot: a malformed NIK, No. KK, date or code never reaches a query."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import User
from entas.registry import choices as c
from entas.registry.selectors import search_number, searchable_kelurahan
from entas.registry.services import name_tokens
from entas.wilayah import identity
from entas.wilayah.selectors import region_kecamatan_list

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
MAX_PAGE = 1000


def kelurahan_choices(user: User) -> list[tuple[str, Any]]:
    """The kelurahan a user may filter by, grouped by kecamatan (the deployment for
    admins; the assigned areas for field officers; none for anyone else)."""
    kelurahan = list(searchable_kelurahan(user))
    names = {region.code: region.name for region in region_kecamatan_list()}
    groups: dict[str, list[tuple[str, str]]] = {}
    for region in kelurahan:
        groups.setdefault(names.get(region.parent_id or "", ""), []).append(
            (region.code, region.name)
        )
    return [("", _("Semua kelurahan")), *groups.items()]


def kelurahan_field() -> forms.ChoiceField:
    """An optional kelurahan filter; its choices are set per user (`kelurahan_choices`)."""
    return forms.ChoiceField(
        label=_("Kelurahan"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "Kode kelurahan %(value)s tidak dikenal atau di luar wilayah tugas Anda."
            )
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("NIK, No. KK atau nama"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "q-help",
            }
        ),
    )
    kelurahan = kelurahan_field()
    status = forms.ChoiceField(
        label=_("Status individu"),
        required=False,
        choices=[("", _("Semua status")), *c.PersonStatus.choices],
        error_messages={"invalid_choice": _("Status %(value)s tidak dikenal.")},
    )
    lahir = forms.DateField(
        label=_("Tanggal lahir"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Tanggal lahir tidak valid; tulis seperti 31-12-1980.")},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("Nomor halaman harus berupa angka."),
            "min_value": _("Nomor halaman paling kecil 1."),
            "max_value": _("Nomor halaman paling besar %(limit_value)s."),
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = kelurahan_choices(user)

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        number = search_number(query)
        if number is not None:
            return self._checked_number(number)
        words = name_tokens(query)
        if words and max(len(word) for word in words) < 2:
            raise forms.ValidationError(_("Ketik sedikitnya 2 huruf nama."), code="name_short")
        return query

    def _checked_number(self, number: str) -> str:
        if len(number) != 16:
            raise forms.ValidationError(
                _("NIK atau No. KK harus 16 angka; yang diketik %(count)s angka."),
                code="number_length",
                params={"count": len(number)},
            )
        nik = identity.parse_nik(number)
        if nik.valid or identity.parse_kk(number).valid:
            return number
        raise forms.ValidationError(nik.message, code=f"nik_{nik.error}")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        searched = cleaned.get("q") or cleaned.get("kelurahan")
        narrowed = cleaned.get("status") or cleaned.get("lahir")
        if narrowed and not searched and not self.errors:
            raise forms.ValidationError(
                _(
                    "Isi NIK, No. KK atau nama, atau pilih kelurahan, lalu saring dengan "
                    "status atau tanggal lahir."
                ),
                code="no_criteria",
            )
        return cleaned

    @property
    def has_criteria(self) -> bool:
        return bool(self.cleaned_data.get("q") or self.cleaned_data.get("kelurahan"))

    def search_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "query": data["q"],
            "kelurahan_code": data["kelurahan"],
            "status": data["status"],
            "birth_date": data["lahir"],
            "page": data["page"] or 1,
        }


class SummaryForm(forms.Form):
    kecamatan = forms.ChoiceField(
        label=_("Kecamatan"),
        required=False,
        error_messages={
            "invalid_choice": _("Kode kecamatan %(value)s tidak dikenal di wilayah ini.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kecamatan = [(region.code, region.name) for region in region_kecamatan_list()]
        cast(forms.ChoiceField, self.fields["kecamatan"]).choices = [
            ("", _("Semua kecamatan")),
            *kecamatan,
        ]
