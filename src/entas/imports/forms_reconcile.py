"""The reconciliation form: the files of each side and the probability threshold.

Files are checked as the import's upload checks them (none chosen, empty, over 1 GB);
what is inside them is the reader's business.
"""

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from entas.imports.forms import MAX_FILE_BYTES, MultipleFileField

FILE_ERRORS = {
    "empty": _("Berkas yang dipilih kosong (0 bait). Periksa berkasnya lalu unggah lagi."),
    "invalid": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
    "missing": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
}


def _files_field(label: Any, required: Any, help_text: Any) -> MultipleFileField:
    return MultipleFileField(
        label=label, help_text=help_text, error_messages={"required": required, **FILE_ERRORS}
    )


class ReconcileForm(forms.Form):
    kiri = _files_field(
        _("Sumber kiri"),
        _("Pilih sedikitnya satu berkas sumber kiri."),
        _("Misalnya DTSEN: berkas anggota keluarga, boleh bersama berkas keluarganya."),
    )
    kanan = _files_field(
        _("Sumber kanan"),
        _("Pilih sedikitnya satu berkas sumber kanan."),
        _("Misalnya daftar kota dalam templat impor entas, P3KE atau DTKS."),
    )
    ambang = forms.IntegerField(
        label=_("Ambang peluang sama orang (%)"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Kosongkan untuk memakai ambang baku sistem."),
        error_messages={
            "invalid": _("Ambang harus berupa angka persen."),
            "min_value": _("Ambang paling kecil %(limit_value)s%%."),
            "max_value": _("Ambang paling besar %(limit_value)s%%."),
        },
    )

    def clean_kiri(self) -> list[UploadedFile]:
        return _checked(self.cleaned_data["kiri"])

    def clean_kanan(self) -> list[UploadedFile]:
        return _checked(self.cleaned_data["kanan"])

    def threshold(self) -> float | None:
        percent = cast(int | None, self.cleaned_data.get("ambang"))
        return None if percent is None else percent / 100

    def uploads(self, side: str) -> list[tuple[str, UploadedFile]]:
        return [(file.name or "", file) for file in self.cleaned_data[side]]


def _checked(files: list[UploadedFile]) -> list[UploadedFile]:
    for file in files:
        if (file.size or 0) > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _(
                    "Berkas %(name)s lebih besar dari 1 GB. Jalankan rekonsiliasi dari baris "
                    "perintah (entas reconcile)."
                ),
                code="too_large",
                params={"name": file.name},
            )
    return files
