"""Forms of the referral queue: its filters, each lifecycle step, and Dinsos' proposal.

Forms only parse; the rules (reasons required, dates, quotas, exclusions) are the
service's, and its message is shown on the form with the typed values kept.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts import access
from entas.accounts.models import User
from entas.interventions import choices as c
from entas.interventions import selectors_referrals as selectors
from entas.interventions.models import Programme
from entas.registry.models import Household, Person
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need

NOTE_MAX = 2000
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    programme = forms.TypedChoiceField(
        label=_("Program"), required=False, coerce=int, empty_value=None
    )
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)
    organization = forms.TypedChoiceField(
        label=_("Pelaksana"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = selectors.queue_programmes(user).values_list("pk", "name")
        kelurahan = selectors.queue_kelurahan(user).values_list("code", "name")
        self.fields["programme"].choices = [("", _("Semua program")), *programmes]  # type: ignore[attr-defined]
        self.fields["kelurahan"].choices = [("", _("Semua kelurahan")), *kelurahan]  # type: ignore[attr-defined]
        if access.can_manage_interventions(user):
            organizations = selectors.queue_organizations().values_list("pk", "name")
            self.fields["organization"].choices = [("", _("Semua pelaksana")), *organizations]  # type: ignore[attr-defined]
        else:
            del self.fields["organization"]

    def queue_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "programme_id": data.get("programme"),
            "kelurahan_code": data.get("kelurahan", ""),
            "organization_id": data.get("organization"),
        }


class AcceptForm(forms.Form):
    """Nothing to type: the button is the decision."""


class ReasonForm(forms.Form):
    """Declining (the OPD) or cancelling (Dinsos): the service requires the reason."""

    reason = forms.CharField(
        label=_("Alasan"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ScheduleForm(forms.Form):
    scheduled_on = forms.DateField(label=_("Tanggal jadwal"), widget=DATE)


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Tanggal penyaluran"), widget=DATE)
    quantity = forms.IntegerField(label=_("Jumlah (satuan)"), min_value=0, initial=1)
    amount = forms.DecimalField(
        label=_("Nilai (Rp)"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=_("Kosongkan untuk jumlah × biaya per satuan program."),
    )  # fmt: skip
    evidence = forms.CharField(
        label=_("Bukti (nomor tanda terima atau rujukan foto)"), required=False, max_length=200
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Hasil"), choices=[("", _("Pilih hasil")), *c.Outcome.choices], required=False
    )
    note = forms.CharField(
        label=_("Catatan hasil"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ProposeForm(forms.Form):
    """Dinsos refers a family it chose (from its page or from a recommendation)."""

    period = forms.ModelChoiceField(label=_("Periode"), queryset=Period.objects.none())
    programme = forms.ModelChoiceField(label=_("Program"), queryset=Programme.objects.none())
    person = forms.ModelChoiceField(
        label=_("Anggota (untuk program perorangan)"), queryset=Person.objects.none(),
        required=False, empty_label=_("Seluruh keluarga"),
    )  # fmt: skip
    need = forms.ModelChoiceField(
        label=_("Menjawab kebutuhan"), queryset=Need.objects.none(), required=False,
        empty_label=_("Tidak terkait kebutuhan"),
    )  # fmt: skip
    quantity = forms.IntegerField(label=_("Jumlah (satuan)"), min_value=1, initial=1)
    amount = forms.DecimalField(
        label=_("Nilai (Rp)"), required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text=_("Kosongkan untuk jumlah × biaya per satuan program."),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Catatan untuk pelaksana"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.order_by("-ends_on")  # type: ignore[attr-defined]
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            memberships__household=household, memberships__end_date__isnull=True
        ).order_by("pk")
        self.fields["need"].queryset = Need.objects.filter(  # type: ignore[attr-defined]
            household=household, status=vc.NeedStatus.OPEN
        )
