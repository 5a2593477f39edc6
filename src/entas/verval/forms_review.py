"""Forms of the supervisor's review: the queue's filters and the reviewer's note."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.accounts.models import User
from entas.verval.selectors_review import review_campaigns, review_kelurahan

NOTE_MAX = 2000


class QueueFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Kampanye"), queryset=review_campaigns(), required=False,
        empty_label=_("Semua kampanye"),
    )  # fmt: skip
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = review_campaigns()  # type: ignore[attr-defined]
        kelurahan = review_kelurahan(user).values_list("code", "name")
        self.fields["kelurahan"].choices = [("", _("Semua kelurahan")), *kelurahan]  # type: ignore[attr-defined]

    def queue_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        campaign = data.get("campaign")
        return {
            "campaign_id": campaign.pk if campaign is not None else None,
            "kelurahan_code": data.get("kelurahan", ""),
        }


class ReviewForm(forms.Form):
    """The reviewer's note: optional on approval, required on return (the service says so)."""

    note = forms.CharField(
        label=_("Catatan pemeriksa"), required=False, max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
