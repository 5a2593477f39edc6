"""Forms of the review pages: the queue filter and a reviewer's decision."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts import access
from entas.accounts.models import Role, User
from entas.linkage.choices import PairRule, PairStatus
from entas.linkage.models import CandidatePair
from entas.registry.forms import kelurahan_choices, kelurahan_field
from entas.wilayah.selectors import region_kecamatan_list

MAX_PAGE = 10000


def kecamatan_choices(user: User) -> list[tuple[str, Any]]:
    """The kecamatan a user may filter by: all for admins, assigned ones for officers."""
    regions = region_kecamatan_list()
    if access.role_of(user) != Role.ADMIN:
        kecamatan, kelurahan = access.area_codes(user)
        parents = {code.rsplit(".", 1)[0] for code in kelurahan}
        regions = regions.filter(code__in={*kecamatan, *parents})
    return [("", _("Semua kecamatan")), *((r.code, r.name) for r in regions)]


class QueueFilterForm(forms.Form):
    kecamatan = forms.ChoiceField(
        label=_("Kecamatan"),
        required=False,
        error_messages={"invalid_choice": _("Kecamatan %(value)s di luar wilayah tugas Anda.")},
    )
    kelurahan = kelurahan_field()
    rule = forms.ChoiceField(
        label=_("Aturan"),
        required=False,
        choices=[("", _("Semua aturan")), *PairRule.choices],
        error_messages={"invalid_choice": _("Aturan %(value)s tidak dikenal.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Menunggu dan ragu-ragu")),
            (PairStatus.PENDING, PairStatus.PENDING.label),
            (PairStatus.UNSURE, PairStatus.UNSURE.label),
        ],
        error_messages={"invalid_choice": _("Status %(value)s tidak dikenal.")},
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kecamatan"]).choices = kecamatan_choices(user)
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = kelurahan_choices(user)


DECISION_CHOICES = [
    (PairStatus.ACCEPTED, _("Sama: orang yang sama, gabungkan")),
    (PairStatus.REJECTED, _("Berbeda: dua orang yang berbeda")),
    (PairStatus.UNSURE, _("Ragu-ragu: putuskan nanti")),
]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=DECISION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih keputusan: sama, berbeda, atau ragu-ragu."),
            "invalid_choice": _("Keputusan %(value)s tidak dikenal."),
        },
    )
    survivor = forms.TypedChoiceField(
        label=_("Data yang dipertahankan"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Individu yang dipertahankan harus salah satu dari pasangan ini.")
        },
    )
    merge_households = forms.BooleanField(label=_("Gabungkan juga keluarganya"), required=False)
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, pair: CandidatePair, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["survivor"]).choices = [
            (pair.person_l_id, f"#{pair.person_l_id}"),
            (pair.person_r_id, f"#{pair.person_r_id}"),
        ]
