"""The blank import template: the spreadsheet a city operator fills in for the "entas" source.

Sheet "data" has one header row (`schema.TEMPLATE_COLUMNS`) and no rows; every coded
column offers its allowed values in a drop-down, and identity numbers, codes, RT and RW are
text-formatted so Excel keeps their digits as typed. Sheet "petunjuk" explains each column.
The columns come from `entas.imports.schema`, the same definitions the importer reads with.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from entas.core.spreadsheet import Sheet, write_xlsx
from entas.imports.schema import TEMPLATE_COLUMNS, TemplateColumn
from entas.wilayah.selectors import region_kelurahan_list

DATA_SHEET = "data"
GUIDE_SHEET = "petunjuk"
KELURAHAN_HEADER = "kode_kelurahan"
TEMPLATE_FILENAME = "templat-impor-entas.xlsx"


def template_choices(column: TemplateColumn) -> tuple[tuple[str, str], ...]:
    """The values a column accepts with their meaning; the kelurahan code column accepts
    the kelurahan of the deployment."""
    if column.header == KELURAHAN_HEADER and not column.choices:
        return tuple((region.code, region.name) for region in region_kelurahan_list())
    return tuple((value, str(meaning)) for value, meaning in column.choices)


def import_template_write(
    target: Path | IO[bytes], columns: Sequence[TemplateColumn] = TEMPLATE_COLUMNS
) -> None:
    """Write the blank import template (sheets "data" and "petunjuk") to `target`."""
    choices = [template_choices(column) for column in columns]
    data = Sheet(
        name=DATA_SHEET,
        header=[column.header for column in columns],
        rows=[],
        widths=[max(len(column.header) + 4, 14) for column in columns],
        # Coded columns are text too: a typed "1" must match the list's "1", not become 1.
        text_columns={
            index for index, column in enumerate(columns) if column.text or choices[index]
        },
        validations={
            index: [value for value, _meaning in allowed]
            for index, allowed in enumerate(choices)
            if allowed
        },
    )
    guide = Sheet(
        name=GUIDE_SHEET,
        header=[
            _("kolom"),
            _("keterangan"),
            _("wajib diisi"),
            _("nilai yang diizinkan (nilai = arti)"),
            _("contoh"),
        ],
        rows=[
            _guide_row(column, allowed) for column, allowed in zip(columns, choices, strict=True)
        ],
        widths=(24, 42, 12, 70, 22),
        text_columns={4},
    )
    write_xlsx(target, [data, guide])


def _guide_row(column: TemplateColumn, allowed: Sequence[tuple[str, str]]) -> list[str]:
    return [
        column.header,
        str(column.label),
        _("Ya") if column.required else _("Tidak"),
        "; ".join(f"{value} = {meaning}" for value, meaning in allowed),
        column.example,
    ]
