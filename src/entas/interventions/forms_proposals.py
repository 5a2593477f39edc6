"""The form of a bulk proposal: a period, a programme, optionally a kelurahan, and how many
open recommendations to propose. It only parses; `services.proposals` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from entas.interventions.models import Programme
from entas.interventions.services.proposals import PROPOSALS_MAX
from entas.targeting.models import Period
from entas.wilayah.models import Region


class ProposalForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Periode"), queryset=Period.objects.all(), to_field_name="code",
        error_messages={"required": _("Pilih periode."),
                        "invalid_choice": _("Periode itu tidak ditemukan.")},
    )  # fmt: skip
    programme = forms.ModelChoiceField(
        label=_("Program"), queryset=Programme.objects.all(), to_field_name="code",
        error_messages={"required": _("Pilih program."),
                        "invalid_choice": _("Program itu tidak ditemukan.")},
    )  # fmt: skip
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), required=False, to_field_name="code",
        queryset=Region.objects.filter(level=4),  # desa/kelurahan
        error_messages={"invalid_choice": _("Kelurahan itu tidak ditemukan.")},
    )  # fmt: skip
    number = forms.IntegerField(
        label=_("Jumlah diusulkan"), min_value=1, max_value=PROPOSALS_MAX,
        error_messages={
            "required": _("Isi jumlah rekomendasi yang diusulkan."),
            "invalid": _("Jumlah yang diusulkan harus bilangan bulat."),
            "min_value": _("Jumlah yang diusulkan paling sedikit 1."),
            "max_value": _(
                "Jumlah yang diusulkan paling banyak %(limit_value)s sekali jalan; usulkan"
                " sisanya lagi sesudahnya."
            ),
        },
    )  # fmt: skip

    def error_text(self) -> str:
        """Every error of the form in one sentence list, for a message above the page."""
        return " ".join(str(error) for errors in self.errors.values() for error in errors)
