"""Forms of the settings pages: a poverty line, its revision, and a parameters upload.

They turn typed text and uploaded files into service arguments, or say in Indonesian why
they cannot: an unknown region, a file too large, bytes that are not UTF-8, text that is
not JSON. Whether the parameters make sense is the services' question (`parameters`).
"""

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from entas.targeting import choices as c
from entas.targeting.models import PovertyLine
from entas.wilayah.models import Region

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"]
INDONESIA = "00"
MAX_PARAMETERS_BYTES = 200 * 1024
MAX_AMOUNT = Decimal("9999999999.99")
GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 10.000 or 1.234.567: dots group thousands
JSON_REASONS = {
    "Expecting value": _("nilai yang diharapkan tidak ada"),
    "Expecting ',' delimiter": _("kurang tanda koma"),
    "Expecting ':' delimiter": _("kurang titik dua"),
    "Expecting property name enclosed in double quotes": _(
        'nama kunci harus diapit tanda kutip ganda ("…")'
    ),
    "Unterminated string starting at": _("teks tidak ditutup tanda kutip"),
    "Extra data": _("ada isi lain setelah JSON selesai"),
    "Invalid control character at": _("ada karakter kontrol di dalam teks"),
    "Invalid \\escape": _("garis miring terbalik (\\) tidak valid"),
}


def rupiah(text: str) -> Decimal:
    """``10.000``, ``10000``, ``Rp 10.000``, ``351.957,40`` or ``351957.40`` as rupiah."""
    cleaned = re.sub(r"(?i)^rp\.?", "", text.strip()).replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".", 1)
    elif GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise forms.ValidationError(
            _("Nilai garis harus berupa angka rupiah, mis. 10.000 atau 351.957,40."),
            code="invalid",
        )
    if value <= 0:
        raise forms.ValidationError(_("Nilai garis harus lebih dari nol."), code="min_value")
    if value > MAX_AMOUNT or value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(
            _("Nilai garis paling besar Rp9.999.999.999,99, dengan paling banyak dua desimal."),
            code="max_digits",
        )
    return value.quantize(Decimal("0.01"))


class LineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis garis"),
        choices=c.LineKind.choices,
        error_messages={"invalid_choice": _("Jenis garis %(value)s tidak dikenal.")},
    )
    basis = forms.CharField(
        label=_("Dasar"),
        max_length=80,
        help_text=_("Mis. “USD 2.15 PPP 2017”, “Garis kemiskinan BPS”, “Perwal 2025”."),
        error_messages={"required": _("Tuliskan dasar garis ini.")},
    )
    region_code = forms.CharField(
        label=_("Kode wilayah"),
        max_length=13,
        help_text=_("Kode Kemendagri, mis. 33.74 untuk Kota Semarang; 00 untuk Indonesia."),
        error_messages={"required": _("Tuliskan kode wilayah (00 untuk Indonesia).")},
    )
    effective_from = forms.DateField(
        label=_("Berlaku sejak"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Isi tanggal mulai berlaku."),
            "invalid": _("Tanggal tidak valid; tulis seperti 31-12-2025."),
        },
    )
    amount = forms.CharField(
        label=_("Nilai (Rp)"),
        max_length=24,
        help_text=_("Dalam rupiah, mis. 10.000 atau 351.957,40."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Isi nilai garis dalam rupiah.")},
    )
    unit = forms.ChoiceField(
        label=_("Satuan"),
        choices=c.LineUnit.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih satuan: per hari atau per bulan."),
            "invalid_choice": _("Satuan %(value)s tidak dikenal."),
        },
    )
    source_url = forms.URLField(
        label=_("Tautan sumber"),
        max_length=300,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Tautan sumber harus alamat web, mis. https://bps.go.id/…")},
    )
    note = forms.CharField(
        label=_("Catatan"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, line: PovertyLine | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line

    def clean_amount(self) -> Decimal:
        return rupiah(self.cleaned_data["amount"])

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        if code == INDONESIA:
            self.region_name = str(_("Indonesia"))
            return code
        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
        if name is None:
            raise forms.ValidationError(
                _("Kode wilayah %(code)s tidak ada dalam daftar Kemendagri."),
                code="unknown_region",
                params={"code": code},
            )
        self.region_name = name
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = ("kind", "basis", "region_code", "effective_from")
        if self.line is not None and all(data.get(name) for name in key):
            # A revision may move a line onto another current one; the database would refuse.
            same = PovertyLine.objects.filter(
                is_current=True, **{name: data[name] for name in key}
            ).exclude(pk=self.line.pk)
            if same.exists():
                raise forms.ValidationError(
                    _(
                        "Sudah ada garis lain dengan jenis, dasar, wilayah dan tanggal berlaku "
                        "yang sama; ubah garis itu."
                    ),
                    code="duplicate",
                )
        return data

    def line_values(self) -> dict[str, Any]:
        """The cleaned values as `services.line_create`/`line_revise` take them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "basis": data["basis"].strip(),
            "region_code": data["region_code"],
            "region_name": self.region_name,
            "effective_from": data["effective_from"],
            "amount": data["amount"],
            "unit": data["unit"],
            "source_url": data["source_url"],
            "note": data["note"].strip(),
        }


class LineReviseForm(LineForm):
    reason = forms.CharField(
        label=_("Alasan perubahan"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Dicatat di jejak audit bersama versi baru."),
        error_messages={"required": _("Tuliskan alasan perubahan garis.")},
    )


def line_initial(line: PovertyLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LineForm.base_fields}


class ParametersForm(forms.Form):
    """A rule set or score weights as a JSON file or pasted JSON text, one of the two."""

    name = forms.CharField(
        label=_("Nama"),
        max_length=120,
        error_messages={"required": _("Beri nama versi ini.")},
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label=_("Berkas JSON"),
        required=False,
        help_text=_("UTF-8, paling besar 200 KB."),
        error_messages={
            "empty": _("Berkas yang dipilih kosong (0 bait)."),
            "invalid": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
            "missing": _("Berkas tidak terkirim dengan benar. Coba unggah lagi."),
        },
    )
    text = forms.CharField(
        label=_("Atau tempel JSON di sini"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    activate = forms.BooleanField(label=_("Langsung pakai versi ini"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile | None = data.get("file")
        text: str = data.get("text") or ""
        if "file" in self.errors:
            return data
        if upload is not None and text.strip():
            raise forms.ValidationError(
                _("Pilih salah satu: unggah berkas atau tempel JSON, jangan keduanya."),
                code="both",
            )
        if upload is None and not text.strip():
            raise forms.ValidationError(_("Unggah berkas JSON atau tempel isinya."), code="missing")
        raw = _read_upload(upload) if upload is not None else text.encode("utf-8")
        data["parameters"] = parameters_from_bytes(raw)
        return data


def _read_upload(upload: UploadedFile) -> bytes:
    if (upload.size or 0) > MAX_PARAMETERS_BYTES:
        raise _too_large()
    return upload.read(MAX_PARAMETERS_BYTES + 1)


def _too_large() -> forms.ValidationError:
    return forms.ValidationError(
        _("Berkas atau teks JSON lebih besar dari 200 KB; parameter tidak sebesar itu."),
        code="too_large",
    )


def parameters_from_bytes(raw: bytes) -> Any:
    """Parse JSON bytes (UTF-8, with or without BOM), or say what is wrong in Indonesian."""
    if len(raw) > MAX_PARAMETERS_BYTES:
        raise _too_large()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise forms.ValidationError(
            _("Berkas bukan teks UTF-8 (bait ke-%(position)s). Simpan ulang sebagai UTF-8."),
            code="encoding",
            params={"position": error.start + 1},
        ) from error
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _("JSON tidak valid pada baris %(line)s kolom %(column)s: %(reason)s."),
            code="json",
            params={
                "line": error.lineno,
                "column": error.colno,
                "reason": JSON_REASONS.get(error.msg, error.msg),
            },
        ) from error
    except (ValueError, RecursionError) as error:
        raise forms.ValidationError(
            _("JSON tidak valid: %(reason)s."), code="json", params={"reason": error}
        ) from error
    if _has_nul(parsed):
        # PostgreSQL's jsonb cannot hold U+0000; refuse it here rather than fail on save.
        raise forms.ValidationError(
            _("JSON memuat karakter NUL (\\u0000), yang tidak dapat disimpan."), code="nul"
        )
    return parsed


def _has_nul(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s bukan angka yang dikenal JSON") % {"name": name})
