"""Forms of the catalogue pages: a programme, its allocation for a period, a dismissal.

Forms only parse what was typed; the services decide (`services.catalogue`), and their
refusals are shown on the form with the typed values kept.
"""

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.interventions import choices as c
from entas.interventions.models import Programme
from entas.interventions.selectors_catalogue import organization_owners, period_list
from entas.interventions.services.catalogue import ProgrammeData
from entas.verval.choices import NeedKind

ELIGIBILITY_HELP = _(
    'Daftar kondisi JSON yang semuanya harus terpenuhi, mis. [{"field": "household.status",'
    ' "op": "in", "value": ["ekstrem"]}, {"field": "person.age", "op": "between",'
    ' "value": [0, 4]}]. Untuk "salah satu", kelompokkan dua kondisi atau lebih tentang hal'
    ' yang sama: {"any": [{"field": "person.age", "op": "gte", "value": 60}, {"field":'
    ' "person.disability", "op": "is", "value": true}]}. Kosongkan ([]) bila tanpa syarat.'
)


def parse_conditions(text: str) -> Any:
    """The JSON typed in the eligibility box; raises ValidationError in Indonesian."""
    try:
        return json.loads(text or "[]")
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _(
                "Syarat bukan JSON yang sah (baris %(line)d, kolom %(column)d): periksa tanda"
                " kutip ganda, koma dan kurung."
            ),
            params={"line": error.lineno, "column": error.colno},
        ) from error


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=_("Kode"), max_length=40)
    name = forms.CharField(label=_("Nama"), max_length=160)
    owner = forms.ModelChoiceField(label=_("Pelaksana"), queryset=organization_owners())
    kind = forms.ChoiceField(label=_("Jenis"), choices=c.ProgrammeKind.choices)
    strategy = forms.ChoiceField(label=_("Strategi (Inpres 4/2022)"), choices=c.Strategy.choices)
    target = forms.ChoiceField(
        label=_("Sasaran"), choices=c.Target.choices, widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label=_("Menjawab kebutuhan"), choices=NeedKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    eligibility = forms.CharField(
        label=_("Syarat (JSON)"), required=False, help_text=ELIGIBILITY_HELP,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )  # fmt: skip
    unit = forms.CharField(label=_("Satuan"), max_length=30, initial="paket")
    unit_cost = forms.DecimalField(
        label=_("Biaya per satuan (Rp)"), min_value=0, max_digits=14, decimal_places=2
    )
    description = forms.CharField(
        label=_("Keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_active = forms.BooleanField(label=_("Aktif"), required=False, initial=True)
    excludes = forms.ModelMultipleChoiceField(
        label=_("Tidak boleh bersamaan dengan"), queryset=Programme.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = Programme.objects.order_by("name")
        excludes = cast(forms.ModelMultipleChoiceField, self.fields["excludes"])
        excludes.queryset = others.exclude(pk=programme.pk) if programme else others
        if programme is not None:
            del self.fields["code"]  # the code is the programme's identity in data files

    def clean_eligibility(self) -> Any:
        return parse_conditions(self.cleaned_data["eligibility"])

    def data_for_service(self) -> ProgrammeData:
        values = self.cleaned_data
        return ProgrammeData(
            name=values["name"], owner=values["owner"], kind=values["kind"],
            strategy=values["strategy"], target=values["target"], needs=list(values["needs"]),
            eligibility=values["eligibility"], unit=values["unit"],
            unit_cost=values["unit_cost"], description=values["description"],
            is_active=values["is_active"], excludes=list(values["excludes"]),
        )  # fmt: skip


def programme_initial(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name, "owner": programme.owner_id, "kind": programme.kind,
        "strategy": programme.strategy, "target": programme.target, "needs": programme.needs,
        "eligibility": json.dumps(programme.eligibility, ensure_ascii=False, indent=1),
        "unit": programme.unit, "unit_cost": programme.unit_cost,
        "description": programme.description, "is_active": programme.is_active,
        "excludes": list(programme.excludes.values_list("pk", flat=True)),
    }  # fmt: skip


class AllocationForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Periode"), queryset=period_list())
    quota = forms.IntegerField(
        label=_("Kuota (satuan)"), min_value=0, required=False,
        help_text=_("Kosongkan bila tanpa batas."),
    )  # fmt: skip
    budget = forms.DecimalField(
        label=_("Anggaran (Rp)"), min_value=Decimal(0), max_digits=16, decimal_places=2,
        required=False, help_text=_("Kosongkan bila tanpa batas."),
    )  # fmt: skip


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=300)
