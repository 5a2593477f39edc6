"""Forms of the user-management pages. They only read what was typed; the rules (valid
username, role fits the organisation, areas, password strength) are in `accounts.services`,
whose refusals the views put back on the field they concern."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.accounts import selectors
from entas.accounts.models import ROLES_FOR_KIND, Organization, OrganizationKind, Role, User

TEXT = {"autocomplete": "off"}
LOGIN = {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
NEW_PASSWORD = {"autocomplete": "new-password"}


class OrganizationForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kode"), required=False, max_length=40, widget=forms.TextInput(LOGIN),
        help_text=gettext_lazy("Singkat, huruf kecil tanpa spasi, misalnya dinkes atau baznas."),
    )  # fmt: skip
    name = forms.CharField(
        label=gettext_lazy("Nama"), required=False, max_length=200, widget=forms.TextInput(TEXT)
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Jenis"), choices=OrganizationKind.choices,
        error_messages={"invalid_choice": gettext_lazy("Pilih jenis organisasi yang tersedia.")},
    )  # fmt: skip

    @classmethod
    def of(cls, organization: Organization | None) -> "OrganizationForm":
        """The form for a new organisation, or holding an existing one's values."""
        if organization is None:
            return cls()
        values = {"code": organization.code, "name": organization.name, "kind": organization.kind}
        return cls(initial=values)


class OfficerPasswordForm(forms.Form):
    """A password typed twice; the officer form reuses it for a new account's first one."""

    password = forms.CharField(
        label=gettext_lazy("Kata sandi baru"), required=False, strip=False,
        widget=forms.PasswordInput(NEW_PASSWORD),
    )  # fmt: skip
    password_again = forms.CharField(
        label=gettext_lazy("Ulangi kata sandi"), required=False, strip=False,
        widget=forms.PasswordInput(NEW_PASSWORD),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        return clean_password_pair(self)


class OfficerForm(OfficerPasswordForm):
    """An officer's name, role (those the organisation's kind allows) and areas; a new
    account also has its username and first password."""

    username = forms.CharField(
        label=gettext_lazy("Nama pengguna"), required=False, max_length=40,
        widget=forms.TextInput(LOGIN),
        help_text=gettext_lazy("Untuk masuk: huruf kecil, angka, titik atau tanda hubung."),
    )  # fmt: skip
    full_name = forms.CharField(
        label=gettext_lazy("Nama lengkap"), required=False, max_length=150,
        widget=forms.TextInput(TEXT),
    )  # fmt: skip
    role = forms.ChoiceField(
        label=gettext_lazy("Peran"),
        error_messages={"invalid_choice": gettext_lazy("Pilih peran yang tersedia untuk "
                                                       "organisasi ini.")},
    )  # fmt: skip
    areas = forms.MultipleChoiceField(
        label=gettext_lazy("Wilayah tugas"), required=False,
        error_messages={"invalid_choice": gettext_lazy("Wilayah %(value)s tidak ada dalam "
                                                       "daftar; pilih dari daftar.")},
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=gettext_lazy(
            "Hanya untuk petugas lapangan. Pilih kecamatan (koordinator/TKSK) atau kelurahan; "
            "tahan Ctrl untuk memilih lebih dari satu."
        ),
    )  # fmt: skip
    field_order = ["username", "full_name", "role", "areas", "password", "password_again"]

    def __init__(self, *args: Any, organization: Organization, new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = gettext_lazy("Kata sandi awal")
        allowed = ROLES_FOR_KIND[organization.kind]
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [(each, Role(each).label) for each in allowed]
        if Role.FIELD_OFFICER in allowed:
            areas = cast(forms.MultipleChoiceField, self.fields["areas"])
            areas.choices = selectors.area_choices(
                kecamatan_label=_("Seluruh Kecamatan %(name)s"),
                group_label=_("Kecamatan %(name)s"),
            )
        else:
            del self.fields["areas"]
        if not new:
            for name in ("username", "password", "password_again"):
                del self.fields[name]

    @classmethod
    def of(cls, user: User, organization: Organization) -> "OfficerForm":
        initial = {
            "full_name": user.full_name,
            "role": user.role,
            "areas": [region.code for region in user.areas.all()],
        }
        return cls(initial=initial, organization=organization, new=False)

    def values(self) -> dict[str, Any]:
        """Arguments for `services.officer_create` / `officer_update`."""
        data = dict(self.cleaned_data)
        data.pop("password_again", None)
        data.setdefault("areas", [])
        return data


class OfficerStatusForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan"), required=False, max_length=500,
        widget=forms.TextInput(TEXT),
        help_text=gettext_lazy("Misalnya: pindah tugas, pensiun, akun dipakai orang lain."),
    )  # fmt: skip


def clean_password_pair(form: forms.Form) -> dict[str, Any]:
    """The two password fields must be the same (when the form has them)."""
    cleaned = form.cleaned_data
    if "password" in form.fields and cleaned.get("password") != cleaned.get("password_again"):
        form.add_error("password_again", _("Kedua kata sandi tidak sama; ketik ulang."))
    return cleaned
