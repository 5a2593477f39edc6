"""The visit form of the officer's phone: typed fields in, a `VisitInput` out.

The form only turns text into types (a date, a number, a known choice) and says in
Indonesian when it cannot; every domain rule (who may leave, which needs need a detail,
what consent allows) lives in `services.visits.visit_submit`, whose `VervalError` the view
shows beside the section it names. Field names are flat (`member_<id>`, `new_1_name`,
`need_<kind>_detail`) so the same POST comes from the HTML form and from a draft the phone
kept offline.

A kind of need has up to `NEED_ROWS` rows, one per member who needs it: the first keeps the
original names (`need_<kind>`, `need_<kind>_detail`, ...), the others add the row number
(`need_<kind>_2`, `need_<kind>_2_detail`, ...), so drafts made before rows existed still fit.
"""

import datetime as dt
import re
import uuid
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from entas.registry import choices as rc
from entas.registry.forms import DATE_INPUT_FORMATS
from entas.registry.models import Membership, WelfareRecord
from entas.targeting import choices as tc
from entas.verval import choices as c
from entas.verval.services.visits import MAX_PHOTOS, MemberChangeInput, NeedInput, VisitInput

STAY = "tetap"
ROW_FIELD = re.compile(r"^(member_\d+|new_\d+_|need_)")
NEW_MEMBER_ROWS = 3
NEED_ROWS = 3
HOUSE_FIELDS = (
    "floor_type",
    "wall_type",
    "roof_type",
    "water_source",
    "lighting",
    "cooking_fuel",
    "toilet_facility",
)
WELFARE_FORM_FIELDS = ("expenditure_per_capita", *HOUSE_FIELDS)
MEMBER_STATUS_CHOICES = [
    (STAY, pgettext_lazy("member status", "Tetap")),
    (c.MemberChange.DEATH, c.MemberChange.DEATH.label),
    (c.MemberChange.MOVED_OUT, c.MemberChange.MOVED_OUT.label),
]
NEW_MEMBER_KINDS = [("", "—"), *((k.value, k.label) for k in c.JOINING_CHANGES)]
# Which section of the page an error belongs to: the service names fields by its own words.
SECTIONS = {
    "client_id": "outcome",
    "visited_at": "outcome",
    "duplicate_of": "outcome",
    "moved_to": "outcome",
    "respondent": "consent",
    "accuracy_m": "location",
    "latitude": "location",
    "longitude": "location",
    "new_head": "member_changes",
}


NeedRow = tuple[Any, Any, Any, Any]  # bound fields: the box, detail (or None), person, note


def need_prefix(kind: c.NeedKind, row: int) -> str:
    """`need_<kind>` for the first row (its names predate rows), `need_<kind>_<row>` after."""
    return f"need_{kind.value}" if row == 1 else f"need_{kind.value}_{row}"


def section_of(name: str) -> str:
    """The page section an error about `name` is shown in."""
    if name.startswith(("member_", "new_")):
        return "member_changes"
    if name.startswith("need_"):
        return "needs"
    if name in WELFARE_FORM_FIELDS:
        return "welfare"
    return SECTIONS.get(name, name)


def _date(label: Any, *, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Tanggal tidak valid; tulis seperti 31-12-2024.")},
    )


def _choice(label: Any, choices: Any, *, blank: bool = True) -> forms.ChoiceField:
    options = [("", "—"), *choices] if blank else list(choices)
    return forms.ChoiceField(
        label=label,
        choices=options,
        required=False,
        error_messages={"invalid_choice": _("Pilihan “%(value)s” tidak dikenal.")},
    )


def _welfare_field(name: str) -> forms.ChoiceField:
    model_field = cast(models.Field, WelfareRecord._meta.get_field(name))
    return _choice(str(model_field.verbose_name).capitalize(), model_field.choices or [])


class VisitForm(forms.Form):
    """One visit; the member, new-member and need fields are made from the family."""

    client_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("ID kunjungan hilang; buka formulir lagi."),
            "invalid": _("ID kunjungan tidak sah; buka formulir lagi."),
        },
    )
    visited_at = forms.DateTimeField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Waktu kunjungan tidak sah.")},
    )
    outcome = forms.ChoiceField(
        label=_("Hasil kunjungan"),
        choices=c.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih hasil kunjungan."),
            "invalid_choice": _("Pilih hasil kunjungan."),
        },
    )
    consent = forms.ChoiceField(
        label=_("Persetujuan keluarga"),
        choices=c.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih persetujuan keluarga."),
            "invalid_choice": _("Pilih persetujuan keluarga."),
        },
    )
    respondent = forms.CharField(
        label=_("Nama responden"),
        required=False,
        max_length=150,
        error_messages={"max_length": _("Nama responden paling panjang 150 huruf.")},
    )
    duplicate_of = forms.IntegerField(
        label=_("ID keluarga yang sama (jika diketahui)"),
        required=False,
        min_value=1,
        error_messages={"invalid": _("ID keluarga berupa angka."), "min_value": _("ID tidak sah.")},
    )
    moved_to = forms.CharField(
        label=_("Pindah ke mana"),
        required=False,
        max_length=255,
        error_messages={"max_length": _("Alamat pindah paling panjang 255 huruf.")},
    )
    latitude = forms.DecimalField(
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Lokasi GPS tidak sah.")},
    )
    longitude = forms.DecimalField(
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Lokasi GPS tidak sah.")},
    )
    accuracy_m = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Akurasi GPS tidak sah.")},
    )
    expenditure_per_capita = forms.IntegerField(
        label=_("Pengeluaran per orang per bulan (Rp)"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Pengeluaran ditulis sebagai angka rupiah, tanpa titik."),
            "min_value": _("Pengeluaran tidak boleh negatif."),
        },
    )
    causes = forms.MultipleChoiceField(
        label=_("Penyebab kemiskinan"),
        choices=tc.Cause.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Penyebab tidak dikenal.")},
    )
    new_head = forms.TypedChoiceField(
        label=_("Kepala keluarga baru"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("Kepala keluarga baru harus anggota keluarga ini.")},
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Catatan paling panjang 2000 huruf.")},
    )

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for name in HOUSE_FIELDS:
            self.fields[name] = _welfare_field(name)
        people = [(m.person_id, m.person.full_name) for m in members]
        cast(forms.ChoiceField, self.fields["new_head"]).choices = [("", "—"), *people]
        for membership in members:
            pk = membership.person_id
            self.fields[f"member_{pk}"] = forms.ChoiceField(
                label=membership.person.full_name,
                choices=MEMBER_STATUS_CHOICES,
                initial=STAY,
                required=False,
            )
            self.fields[f"member_{pk}_on"] = _date(_("Tanggal"))
        for row in range(1, NEW_MEMBER_ROWS + 1):
            self._add_new_member_row(row)
        for kind in c.NeedKind:
            for row in range(1, NEED_ROWS + 1):
                self._add_need_row(kind, row, people)

    def _add_new_member_row(self, row: int) -> None:
        prefix = f"new_{row}"
        self.fields[f"{prefix}_kind"] = _choice(_("Jenis"), NEW_MEMBER_KINDS, blank=False)
        self.fields[f"{prefix}_name"] = forms.CharField(
            label=_("Nama lengkap"), required=False, max_length=150
        )
        self.fields[f"{prefix}_sex"] = _choice(_("Jenis kelamin"), rc.Sex.choices)
        relationships = [r for r in rc.Relationship.choices if r[0] != rc.Relationship.HEAD]
        self.fields[f"{prefix}_relationship"] = _choice(_("Hubungan"), relationships)
        self.fields[f"{prefix}_birth_date"] = _date(_("Tanggal lahir"))
        self.fields[f"{prefix}_on"] = _date(_("Tanggal masuk (kosong: tanggal lahir)"))
        self.fields[f"{prefix}_nik"] = forms.CharField(
            label=_("NIK (jika ada)"),
            required=False,
            max_length=16,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        )

    def _add_need_row(self, kind: c.NeedKind, row: int, people: list[tuple[int, str]]) -> None:
        prefix = need_prefix(kind, row)
        # Every label names its need and row: the page shows them all at once.
        need = kind.label if row == 1 else format_lazy("{} ({})", kind.label, row)
        self.fields[prefix] = forms.BooleanField(label=need, required=False)
        details = c.NEED_DETAILS.get(kind)
        if details is not None:
            self.fields[f"{prefix}_detail"] = _choice(
                format_lazy("{} — {}", _("Rincian"), need), details.choices
            )
        self.fields[f"{prefix}_person"] = forms.TypedChoiceField(
            label=format_lazy("{} — {}", _("Untuk anggota"), need),
            choices=[("", _("Seluruh keluarga")), *people],
            required=False,
            coerce=int,
            empty_value=None,
        )
        self.fields[f"{prefix}_note"] = forms.CharField(
            label=format_lazy("{} — {}", _("Catatan"), need), required=False, max_length=300
        )

    # --- reading the page's groups of fields back ------------------------------------

    def member_rows(self) -> list[tuple[Membership, Any, Any]]:
        return [
            (m, self[f"member_{m.person_id}"], self[f"member_{m.person_id}_on"])
            for m in self.members
        ]

    def new_member_rows(self) -> list[list[Any]]:
        names = ("kind", "name", "sex", "relationship", "birth_date", "on", "nik")
        return [
            [self[f"new_{row}_{name}"] for name in names] for row in range(1, NEW_MEMBER_ROWS + 1)
        ]

    def need_groups(self) -> list[tuple[NeedRow, list[NeedRow], bool]]:
        """Per kind: its first row, the other rows, and whether one of those is ticked."""
        groups = []
        for kind in c.NeedKind:
            rows = [self._need_row(kind, row) for row in range(1, NEED_ROWS + 1)]
            more = rows[1:]
            groups.append((rows[0], more, any(row[0].value() for row in more)))
        return groups

    def _need_row(self, kind: c.NeedKind, row: int) -> NeedRow:
        prefix = need_prefix(kind, row)
        detail = self[f"{prefix}_detail"] if f"{prefix}_detail" in self.fields else None
        return (self[prefix], detail, self[f"{prefix}_person"], self[f"{prefix}_note"])

    def house_fields(self) -> list[Any]:
        return [self[name] for name in HOUSE_FIELDS]

    # --- the service's input ---------------------------------------------------------

    def visit_input(self) -> VisitInput:
        """The cleaned form as the service takes it. Welfare data and causes come prefilled
        from the registry: they are sent only when the family agreed to be surveyed."""
        data = self.cleaned_data
        consented = data["consent"] == c.Consent.GIVEN
        return VisitInput(
            client_id=data["client_id"],
            visited_at=data["visited_at"] or timezone.now(),
            outcome=data["outcome"],
            consent=data["consent"],
            respondent=data["respondent"],
            duplicate_of_id=data["duplicate_of"],
            moved_to=data["moved_to"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            accuracy_m=data["accuracy_m"],
            member_changes=self._member_changes(),
            new_head_id=data["new_head"],
            welfare=self._welfare() if consented else {},
            causes=list(data["causes"]) if consented else [],
            needs=self._needs(),
            note=data["note"],
        )

    def _member_changes(self) -> list[MemberChangeInput]:
        data = self.cleaned_data
        changes = [
            MemberChangeInput(
                kind=data[f"member_{m.person_id}"],
                on=data[f"member_{m.person_id}_on"],
                person_id=m.person_id,
            )
            for m in self.members
            if data.get(f"member_{m.person_id}") not in ("", STAY, None)
        ]
        for row in range(1, NEW_MEMBER_ROWS + 1):
            prefix = f"new_{row}"
            kind = data[f"{prefix}_kind"]
            if not kind:
                continue
            born: dt.date | None = data[f"{prefix}_birth_date"]
            on = data[f"{prefix}_on"] or (born if kind == c.MemberChange.BIRTH else None)
            changes.append(
                MemberChangeInput(
                    kind=kind,
                    on=on,
                    full_name=data[f"{prefix}_name"],
                    sex=data[f"{prefix}_sex"],
                    relationship=data[f"{prefix}_relationship"],
                    birth_date=born,
                    nik=data[f"{prefix}_nik"].strip(),
                )
            )
        return changes

    def _welfare(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in WELFARE_FORM_FIELDS}
        return {name: value for name, value in values.items() if value not in ("", None)}

    def _needs(self) -> list[NeedInput]:
        """One need per ticked row. The other rows of a kind count only while the kind
        itself is ticked: unticking it hides them on the page, so it drops them too."""
        data = self.cleaned_data
        return [
            self._need_input(kind, need_prefix(kind, row))
            for kind in c.NeedKind
            if data[need_prefix(kind, 1)]
            for row in range(1, NEED_ROWS + 1)
            if data[need_prefix(kind, row)]
        ]

    def _need_input(self, kind: c.NeedKind, prefix: str) -> NeedInput:
        data = self.cleaned_data
        return NeedInput(
            kind=kind.value,
            detail=data.get(f"{prefix}_detail", ""),
            person_id=data[f"{prefix}_person"],
            note=data[f"{prefix}_note"].strip(),
        )

    def first_error(self) -> tuple[str, str]:
        """(section, message) of the first error, for the JSON answer and the page."""
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            message = str(errors[0])
            if label and ROW_FIELD.match(name):  # which member or need the error is about
                message = f"{label}: {message}"
            return section_of(name), message
        return "", ""


def initial_for(
    *, members: list[Membership], welfare: WelfareRecord | None, causes: list[str]
) -> dict[str, Any]:
    """The form's first values: a new visit id, the family's welfare data and causes."""
    initial: dict[str, Any] = {"client_id": uuid.uuid4(), "causes": causes}
    if welfare is not None:
        for name in WELFARE_FORM_FIELDS:
            initial[name] = getattr(welfare, name)
    for membership in members:
        initial[f"member_{membership.person_id}"] = STAY
    return initial


def too_many_photos(files: list[Any]) -> bool:
    return len(files) > MAX_PHOTOS
