"""Forms of the import pages: the upload, the column mapping and the change-list filter.

They check what a browser can get wrong (no file, a file over 1 GB, an unknown field);
what is inside the files is the pipeline's business.
"""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from entas.imports.models import ChangeKind, ImportSource
from entas.imports.schema import FIELDS, HOUSEHOLD

MAX_FILE_BYTES = 1024**3
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
IGNORE = ""


class SpreadsheetFileField(forms.FileField):
    """One small CSV or XLSX list (a campaign's families, an OPD's deliveries), refused
    above `max_bytes` with the sizes in the message."""

    def __init__(self, *, max_bytes: int, **kwargs: Any) -> None:
        self.max_bytes = max_bytes
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Pilih berkas yang akan diunggah."),
                "empty": _("Berkas yang dipilih kosong."),
                "invalid": _("Berkas tidak terkirim dengan benar; pilih lagi lalu unggah."),
            },
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> UploadedFile:
        file = cast(UploadedFile, super().clean(data, initial))
        if (file.size or 0) > self.max_bytes:
            raise forms.ValidationError(
                _("Berkas berukuran %(size)s, melebihi batas %(limit)s.")
                % {"size": filesizeformat(file.size or 0), "limit": filesizeformat(self.max_bytes)},
                code="too_large",
            )
        return file


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as a `FileField` checks one."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        files = [file for file in files if file]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class UploadForm(forms.Form):
    berkas = MultipleFileField(
        label=_("Berkas"),
        help_text=_(
            "CSV atau Excel (.xlsx), paling besar 1 GB per berkas. DTSEN terdiri atas dua "
            "berkas, keluarga dan anggota keluarga: pilih keduanya sekaligus."
        ),
        error_messages={
            "required": _("Pilih sedikitnya satu berkas untuk diimpor."),
            "empty": _("Berkas yang dipilih kosong (0 bait). Periksa berkasnya lalu unggah lagi."),
            "invalid": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
            "missing": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
        },
    )
    source = forms.ChoiceField(
        label=_("Sumber data"),
        choices=ImportSource.choices,
        initial=ImportSource.AUTO,
        error_messages={"invalid_choice": _("Sumber %(value)s tidak dikenal.")},
    )
    dry_run = forms.BooleanField(
        label=_("Uji coba (dry run): periksa saja, jangan simpan ke registri"),
        required=False,
    )
    as_of = forms.DateField(
        label=_("Data per tanggal"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        help_text=_("Tanggal keadaan data di berkas; kosongkan bila tidak diketahui."),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Tanggal tidak valid; tulis seperti 31-12-2025.")},
    )

    def clean_berkas(self) -> list[UploadedFile]:
        files = cast(list[UploadedFile], self.cleaned_data["berkas"])
        for file in files:
            if (file.size or 0) > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _(
                        "Berkas %(name)s lebih besar dari 1 GB. Pecah berkasnya per kecamatan "
                        "lalu unggah satu per satu."
                    ),
                    code="too_large",
                    params={"name": file.name},
                )
        return files

    def uploads(self) -> list[tuple[str, UploadedFile]]:
        return [(file.name or "", file) for file in self.cleaned_data["berkas"]]


def field_choices() -> list[tuple[Any, Any]]:
    """The fields a column can carry, grouped by level, after "ignore this column"."""
    households = [(f.name, f.label) for f in FIELDS if f.level == HOUSEHOLD]
    persons = [(f.name, f.label) for f in FIELDS if f.level != HOUSEHOLD]
    return [
        (IGNORE, _("— abaikan kolom ini —")),
        (_("Data keluarga"), households),
        (_("Data individu"), persons),
    ]


class MappingForm(forms.Form):
    """One select per distinct header of the batch's files (`kolom_0`, `kolom_1`, ...).

    `changed_columns()` gives only the headers the user changed, so headers entas
    recognises on its own are not written down as remembered choices.
    """

    def __init__(self, *args: Any, columns: Sequence[dict[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = [str(column["header"]) for column in columns]
        choices = field_choices()
        for position, column in enumerate(columns):
            self.fields[f"kolom_{position}"] = forms.ChoiceField(
                label=column["header"],
                choices=choices,
                required=False,
                initial=column.get("field") or IGNORE,
                widget=forms.Select(attrs={"aria-describedby": f"kolom-{position}-help"}),
                error_messages={"invalid_choice": _("Kolom entas %(value)s tidak dikenal.")},
            )

    def changed_columns(self) -> dict[str, str]:
        return {
            self.headers[int(name.removeprefix("kolom_"))]: self.cleaned_data[name]
            for name in self.changed_data
            if self.add_prefix(name) in self.data  # a select not sent is not a choice
        }


class ChangesFilterForm(forms.Form):
    kelurahan = forms.ChoiceField(
        label=_("Kelurahan"),
        required=False,
        error_messages={"invalid_choice": _("Kelurahan %(value)s tidak ada di impor ini.")},
    )
    jenis = forms.ChoiceField(
        label=_("Jenis perubahan"),
        required=False,
        choices=[("", _("Semua jenis")), *ChangeKind.choices],
        error_messages={"invalid_choice": _("Jenis perubahan %(value)s tidak dikenal.")},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("Nomor halaman harus berupa angka."),
            "min_value": _("Nomor halaman paling kecil 1."),
        },
    )

    def __init__(
        self, *args: Any, kelurahan: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = [
            ("", _("Semua kelurahan")),
            *kelurahan,
        ]

    @property
    def has_criteria(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("kelurahan") or data.get("jenis"))
