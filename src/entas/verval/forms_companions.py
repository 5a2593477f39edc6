"""Forms of the pendampingan pages. They turn typed text into service arguments or say in
Indonesian why not; the services check again and their `VervalError` is shown on the same
form, with what was typed kept."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from entas.accounts.models import User
from entas.registry.forms import DATE_INPUT_FORMATS
from entas.verval import choices as c
from entas.verval.models import Need
from entas.verval.selectors_companions import need_label

LAST_OFFICER = "terakhir"


def _date_field(label: Any, *, required: bool = True, initial_today: bool = False) -> Any:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        initial=timezone.localdate if initial_today else None,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Tanggal tidak valid; tulis seperti 31-01-2025."),
            "required": _("Isi tanggalnya."),
        },
    )


def _text_field(label: Any, *, limit: int, rows: int = 0, required: bool = True) -> Any:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        strip=True,
        widget=widget,
        error_messages={
            "required": _("Kolom ini wajib diisi."),
            "max_length": _("Paling panjang %(limit_value)d huruf."),
        },
    )


def _choices_set(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 (narrowing for mypy)
    field.choices = choices


class NeedChoiceField(forms.ModelChoiceField):
    """A need of the family, labelled with its detail and member."""

    def label_from_instance(self, obj: Any) -> str:
        return need_label(obj)


def _officer_label(user: User) -> str:
    return user.full_name or user.username


class CompanionAssignForm(forms.Form):
    companion = forms.ChoiceField(
        label=_("Pendamping"), error_messages={"required": _("Pilih pendamping.")}
    )
    started_on = _date_field(_("Mulai"), initial_today=True)

    def __init__(self, *args: Any, officers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(user.pk): user for user in officers}
        choices = [(pk, _officer_label(user)) for pk, user in self.officers.items()]
        _choices_set(self, "companion", [("", "—"), *choices])
        self.fields["companion"].error_messages["invalid_choice"] = _(
            "Pilih pendamping dari daftar petugas wilayah ini."
        )

    def chosen(self) -> User:
        return self.officers[self.cleaned_data["companion"]]


class CompanionEndForm(forms.Form):
    ended_on = _date_field(_("Tanggal berakhir"), initial_today=True)
    reason = _text_field(_("Alasan"), limit=300, rows=2)


class BulkAssignForm(forms.Form):
    """Companions for every extreme-poor family of a kelurahan without one."""

    period = forms.CharField(widget=forms.HiddenInput())
    kelurahan = forms.ChoiceField(
        label=_("Kelurahan"),
        error_messages={
            "required": _("Pilih kelurahan."),
            "invalid_choice": _("Pilih kelurahan dari daftar."),
        },
    )
    companion = forms.ChoiceField(
        label=_("Pendamping"),
        error_messages={"invalid_choice": _("Pilih pendamping dari daftar petugas.")},
    )

    def __init__(
        self, *args: Any, kelurahan: list[tuple[str, str]], officers: list[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {str(user.pk): user for user in officers}
        _choices_set(self, "kelurahan", [("", "—"), *kelurahan])
        _choices_set(
            self,
            "companion",
            [
                (LAST_OFFICER, _("Petugas verval terakhir tiap keluarga")),
                *((pk, _officer_label(user)) for pk, user in self.officers.items()),
            ],
        )

    def chosen(self) -> User | None:
        return self.officers.get(self.cleaned_data["companion"])


class NoteForm(forms.Form):
    visited_on = _date_field(_("Tanggal kunjungan"), initial_today=True)
    note = _text_field(pgettext_lazy("companion visit", "Catatan"), limit=2000, rows=4)


class PlanForm(forms.Form):
    agreed_on = _date_field(_("Tanggal disepakati"), initial_today=True)
    note = _text_field(
        pgettext_lazy("family plan", "Catatan rencana"), limit=2000, rows=2, required=False
    )


class GoalForm(forms.Form):
    title = _text_field(_("Tujuan"), limit=200)
    need = NeedChoiceField(
        label=_("Untuk kebutuhan"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=_("— tidak terkait kebutuhan —"),
        error_messages={"invalid_choice": _("Pilih kebutuhan keluarga ini dari daftar.")},
    )
    target_on = _date_field(_("Target tercapai"), required=False)

    def __init__(self, *args: Any, needs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["need"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (narrowing for mypy)
        field.queryset = needs


class StepForm(forms.Form):
    description = _text_field(_("Langkah"), limit=300)
    owner = forms.ChoiceField(
        label=_("Pelaksana"),
        choices=[("", "—"), *c.StepOwner.choices],
        error_messages={
            "required": _("Pilih pelaksana langkah."),
            "invalid_choice": _("Pilih pelaksana dari daftar."),
        },
    )
    due_on = _date_field(_("Tenggat"), required=False)


class StepDoneForm(forms.Form):
    done_on = _date_field(_("Tanggal selesai"), initial_today=True)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status tujuan"),
        choices=c.GoalStatus.choices,
        error_messages={"invalid_choice": _("Pilih status tujuan dari daftar.")},
    )
