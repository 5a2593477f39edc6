"""Reconciling two sources: who is in both, who only in one, and where they disagree.

Each side is one or more files in any format the import reads (DTSEN member file with or
without its family file, P3KE, DTKS, the entas template, any CSV/XLSX with known headers).
Cells are cleaned as an import cleans them, but leniently: a bad cell becomes empty and
the row is kept, since a reconciliation must account for every person in both lists. A
row without a name is not a person and is not counted.

The active linkage model pairs left and right records; each record is then used once, the most
probable pairs first. A pair is "konflik" when the two records give different NIKs, birth
dates or sexes, or when a record also matched another record of the other side.
"""

import datetime as dt
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from entas.core import spreadsheet
from entas.core.services import audit_record
from entas.imports import cleaning, readers, schema
from entas.imports.exceptions import ImportFileError
from entas.imports.models import ColumnMapping
from entas.linkage.preparing import COLUMNS, address_with_rt_rw, prepare
from entas.linkage.services import active_matcher
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

BOTH, CONFLICT, LEFT_ONLY, RIGHT_ONLY = "keduanya", "konflik", "hanya_kiri", "hanya_kanan"
CATEGORIES = (BOTH, CONFLICT, LEFT_ONLY, RIGHT_ONLY)
CATEGORY_LABELS = {
    BOTH: gettext_lazy("Ada di keduanya"),
    CONFLICT: gettext_lazy("Ada di keduanya, berbeda isi"),
    LEFT_ONLY: gettext_lazy("Hanya di sumber kiri"),
    RIGHT_ONLY: gettext_lazy("Hanya di sumber kanan"),
}
COMPARED = (
    ("nik", gettext_lazy("NIK")),
    ("birth_date", gettext_lazy("tanggal lahir")),
    ("sex", gettext_lazy("jenis kelamin")),
)
SHOWN = ("nik", "full_name", "birth_date", "sex", "kelurahan_code", "address")
# What a side needs from the files: the engine's columns and the family key. A source's
# own person ID (P3KE id_individu) is not the record id: that names the file and row.
WANTED = (frozenset(COLUMNS) - {"record_id"}) | {
    "family_id",
    "rt",
    "rw",
    "kelurahan_name",
    "kecamatan_name",
}
NO_KECAMATAN = "—"
WEB_MAX_ROWS = 50_000
FORMATS = ("xlsx", "csv")


class ReconcileTooLarge(ImportFileError):
    """More rows on one side than the page reconciles while the user waits."""


@dataclass
class ReconcileResult:
    """The categorised records; `rows` has one row per pair or lone record (see `ROW_SCHEMA`)."""

    rows: pl.DataFrame
    left_rows: int
    right_rows: int
    threshold: float
    counts: dict[str, int] = field(default_factory=dict)
    by_kecamatan: list[dict[str, Any]] = field(default_factory=list)


ROW_SCHEMA = {
    "category": pl.String,
    "kecamatan_code": pl.String,
    "kecamatan_name": pl.String,
    "match_probability": pl.Float64,
    "rule": pl.String,
    "differences": pl.String,
    "note": pl.String,
    "record_id_l": pl.String,
    **{f"{name}_l": pl.String for name in SHOWN},
    "record_id_r": pl.String,
    **{f"{name}_r": pl.String for name in SHOWN},
}


def reconcile_files(
    left_paths: Sequence[Path],
    right_paths: Sequence[Path],
    *,
    threshold: float | None = None,
    max_rows: int | None = None,
    names: tuple[Sequence[str], Sequence[str]] | None = None,
) -> ReconcileResult:
    """Read both sides, link them one to one and categorise every record.

    `names` are the files' names as users know them (uploads are stored under other
    names); they make the record ids `<file name>:<row number>`. Raises `ImportFileError`
    for a file that cannot be read, `ReconcileTooLarge` past `max_rows` on a side.
    """
    threshold = settings.LINKAGE_REVIEW_THRESHOLD if threshold is None else threshold
    left_names, right_names = names or ([p.name for p in left_paths], [p.name for p in right_paths])
    with tempfile.TemporaryDirectory(prefix="entas-reconcile-") as scratch:
        left = read_side(left_paths, left_names, work_dir=Path(scratch) / "kiri")
        right = read_side(right_paths, right_names, work_dir=Path(scratch) / "kanan")
    for frame in (left, right):
        if max_rows is not None and frame.height > max_rows:
            raise _too_large(frame.height, max_rows)
    pairs = _linked(left, right, threshold)
    rows = _categorised(left, right, pairs)
    return ReconcileResult(
        rows=rows,
        left_rows=left.height,
        right_rows=right.height,
        threshold=threshold,
        counts={category: int((rows["category"] == category).sum()) for category in CATEGORIES},
        by_kecamatan=_by_kecamatan(rows),
    )


# --- reading ------------------------------------------------------------------------------


def read_side(paths: Sequence[Path], names: Sequence[str], *, work_dir: Path) -> pl.DataFrame:
    """The person rows of one side's files in the engine's `COLUMNS` (all text)."""
    if len(set(names)) != len(names):
        message = _("Dua berkas di satu sisi bernama sama; ganti nama salah satunya.")
        raise ImportFileError(message, code="same_name")
    if not paths:
        raise ImportFileError(_("Pilih minimal satu berkas untuk setiap sisi."), code="no_file")
    tables = [
        readers.read_table(
            path, work_dir=work_dir, original_name=name, header_score=schema.header_score
        )
        for path, name in zip(paths, names, strict=True)
    ]
    source = schema.detect_source([header for table in tables for header in table.headers])
    remembered = dict(ColumnMapping.objects.filter(source=source).values_list("header", "field"))
    frames = [_cleaned(table, schema.match_headers(table.headers, remembered)) for table in tables]
    persons = [frame for frame in frames if "full_name" in frame.columns]
    if not persons:
        message = _(
            "Tidak ada kolom nama di berkas %(names)s. Periksa baris judul kolom, atau unduh "
            "templat impor dan salin data ke dalamnya."
        )
        raise ImportFileError(message % {"names": ", ".join(names)}, code="no_known_columns")
    families = [frame for frame in frames if "full_name" not in frame.columns]
    side = pl.concat(persons, how="diagonal_relaxed").filter(pl.col("full_name").is_not_null())
    return _as_columns(_with_families(side, families))


def _cleaned(table: readers.Table, match: schema.HeaderMatch) -> pl.DataFrame:
    """The wanted fields of a file, cleaned; a bad cell is left empty, the row is kept."""
    provinces = frozenset(Region.objects.filter(level=1).values_list("code", flat=True))
    today = timezone.localdate()
    columns = [pl.concat_str(pl.lit(f"{table.original_name}:"), pl.col("_row")).alias("record_id")]
    for position, name in enumerate(match.columns):
        if name in WANTED:
            item = schema.FIELDS_BY_NAME[name]
            value, _error = cleaning.clean(
                pl.col(f"c{position}"), item, today=today, provinces=provinces
            )
            columns.append(value.cast(pl.String).alias(name))
    return _scan(table).select(columns).collect()


def _scan(table: readers.Table) -> pl.LazyFrame:
    """The table's cells as text, numbered as a spreadsheet shows its rows."""
    names = [f"c{i}" for i in range(len(table.headers))]
    return pl.scan_csv(
        table.path,
        separator=table.separator,
        has_header=False,
        skip_rows=table.skip_rows + 1,
        schema=dict.fromkeys(names, pl.String),
        quote_char='"',
        truncate_ragged_lines=True,
        missing_columns="insert",
        encoding="utf8-lossy",
    ).with_row_index("_row", offset=table.first_data_row)


def _with_families(persons: pl.DataFrame, families: list[pl.DataFrame]) -> pl.DataFrame:
    """Kelurahan and address from a family file (DTSEN keluarga) where a member row lacks them."""
    filled = ("kelurahan_code", "address", "rt", "rw", "kelurahan_name", "kecamatan_name")
    for family in families:
        key = next((k for k in ("family_id", "kk_number") if k in family.columns), None)
        if key is None or key not in persons.columns:
            continue
        given = [name for name in filled if name in family.columns]
        lookup = family.select(key, *given).drop_nulls(key).unique(key, keep="first")
        lookup = lookup.rename({name: f"_family_{name}" for name in given})
        persons = persons.join(lookup, on=key, how="left")
        persons = persons.with_columns(
            pl.coalesce(
                pl.col(name) if name in persons.columns else pl.lit(None, pl.String),
                pl.col(f"_family_{name}"),
            ).alias(name)
            for name in given
        ).drop([f"_family_{name}" for name in given])
    return persons


def _as_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The engine's `COLUMNS`: RT/RW into the address, kelurahan names into codes."""
    for name in WANTED:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    return frame.with_columns(
        address_with_rt_rw(pl.col("address"), pl.col("rt"), pl.col("rw")).alias("address"),
        pl.coalesce("kelurahan_code", _code_from_names()).alias("kelurahan_code"),
    ).select(COLUMNS)


def _code_from_names() -> pl.Expr:
    """A deployment kelurahan's code from its name (and its kecamatan's, when a name repeats)."""
    kelurahan = Region.objects.filter(level=4, code__startswith=deployment_code() + ".")
    pairs = list(kelurahan.values_list("name", "parent__name", "code"))
    repeated = {
        name for name, count in Counter(n.upper() for n, _k, _c in pairs).items() if count > 1
    }
    by_name = {name.upper(): code for name, _k, code in pairs if name.upper() not in repeated}
    by_both = {f"{kec or ''}|{name}".upper(): code for name, kec, code in pairs}
    name = pl.col("kelurahan_name").str.to_uppercase().str.strip_chars()
    both = pl.concat_str(
        pl.col("kecamatan_name").str.to_uppercase().str.strip_chars(), name, separator="|"
    )
    return pl.coalesce(
        both.replace_strict(by_both, default=None, return_dtype=pl.String),
        name.replace_strict(by_name, default=None, return_dtype=pl.String),
    )


# --- linking and categorising -------------------------------------------------------------


def _linked(left: pl.DataFrame, right: pl.DataFrame, threshold: float) -> pl.DataFrame:
    if left.is_empty() or right.is_empty():
        return pl.DataFrame(
            schema={
                "record_id_l": pl.String,
                "record_id_r": pl.String,
                "match_probability": pl.Float64,
                "match_weight": pl.Float64,
                "rule": pl.String,
            }
        )
    return active_matcher().link(prepare(left), prepare(right), threshold=threshold)


def one_to_one(pairs: pl.DataFrame) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The pairs kept, best probability first, each record used once; and for every record
    the other-side records it also matched (which make a kept pair a conflict)."""
    ordered = pairs.sort(
        ["match_probability", "record_id_l", "record_id_r"], descending=[True, False, False]
    )
    used_left: set[str] = set()
    used_right: set[str] = set()
    kept: list[dict[str, Any]] = []
    others: dict[str, list[str]] = {}
    for pair in ordered.iter_rows(named=True):
        left, right = pair["record_id_l"], pair["record_id_r"]
        others.setdefault(left, []).append(right)
        others.setdefault(right, []).append(left)
        if left in used_left or right in used_right:
            continue
        used_left.add(left)
        used_right.add(right)
        kept.append(pair)
    return kept, others


def _categorised(left: pl.DataFrame, right: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    kept, others = one_to_one(pairs)
    left_by_id = {row["record_id"]: row for row in left.iter_rows(named=True)}
    right_by_id = {row["record_id"]: row for row in right.iter_rows(named=True)}
    rows = [_pair_row(pair, left_by_id, right_by_id, others) for pair in kept]
    matched_left = {pair["record_id_l"] for pair in kept}
    matched_right = {pair["record_id_r"] for pair in kept}
    rows += [
        _lone_row(LEFT_ONLY, record, "l", others)
        for record_id, record in left_by_id.items()
        if record_id not in matched_left
    ]
    rows += [
        _lone_row(RIGHT_ONLY, record, "r", others)
        for record_id, record in right_by_id.items()
        if record_id not in matched_right
    ]
    frame = (
        pl.DataFrame(rows, schema=ROW_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=ROW_SCHEMA)
    )
    names = _kecamatan_names(frame["kecamatan_code"].drop_nulls().unique().to_list())
    return frame.with_columns(
        pl.col("kecamatan_code")
        .replace_strict(names, default=NO_KECAMATAN, return_dtype=pl.String)
        .alias("kecamatan_name")
    )


def _pair_row(
    pair: dict[str, Any],
    left_by_id: dict[str, dict[str, Any]],
    right_by_id: dict[str, dict[str, Any]],
    others: dict[str, list[str]],
) -> dict[str, Any]:
    left, right = left_by_id[pair["record_id_l"]], right_by_id[pair["record_id_r"]]
    differences = [
        str(label)
        for name, label in COMPARED
        if left[name] and right[name] and left[name] != right[name]
    ]
    also = [
        other
        for record, partner in ((left, right), (right, left))
        for other in others.get(record["record_id"], [])
        if other != partner["record_id"]
    ]
    note = _("Juga mirip dengan %(records)s.") % {"records": ", ".join(also)} if also else ""
    return {
        "category": CONFLICT if differences or also else BOTH,
        "kecamatan_code": _kecamatan_of(left) or _kecamatan_of(right),
        "kecamatan_name": "",
        "match_probability": pair["match_probability"],
        "rule": pair["rule"],
        "differences": ", ".join(differences),
        "note": note,
        **_side(left, "l"),
        **_side(right, "r"),
    }


def _lone_row(
    category: str, record: dict[str, Any], side: str, others: dict[str, list[str]]
) -> dict[str, Any]:
    similar = others.get(record["record_id"], [])
    note = (
        _("Mirip dengan %(records)s, yang sudah dipasangkan dengan catatan lain.")
        % {"records": ", ".join(similar)}
        if similar
        else ""
    )
    empty = "r" if side == "l" else "l"
    return {
        "category": category,
        "kecamatan_code": _kecamatan_of(record),
        "kecamatan_name": "",
        "match_probability": None,
        "rule": "",
        "differences": "",
        "note": note,
        **_side(record, side),
        **{f"{name}_{empty}": None for name in ("record_id", *SHOWN)},
    }


def _side(record: dict[str, Any], side: str) -> dict[str, Any]:
    return {f"{name}_{side}": record[name] for name in ("record_id", *SHOWN)}


def _kecamatan_of(record: dict[str, Any]) -> str | None:
    code = record.get("kelurahan_code")
    return code[:8] if code else None


def _kecamatan_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _by_kecamatan(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """Counts per category for each kecamatan, by name; records without one last."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for code, name, category in rows.select(
        "kecamatan_code", "kecamatan_name", "category"
    ).iter_rows():
        counts.setdefault((name, code or ""), Counter())[category] += 1
    ordered = sorted(counts, key=lambda key: (key[0] == NO_KECAMATAN, key[0]))
    return [
        {
            "code": code,
            "name": name,
            "counts": [counts[(name, code)][category] for category in CATEGORIES],
            "total": sum(counts[(name, code)].values()),
        }
        for name, code in ordered
    ]


def _too_large(rows: int, limit: int) -> ReconcileTooLarge:
    message = _(
        "Satu sisi berisi %(rows)s baris, melebihi batas %(limit)s baris untuk halaman ini. "
        "Jalankan rekonsiliasi dari baris perintah: entas reconcile --left ... --right ... "
        "--output hasil.xlsx"
    )
    values = {"rows": f"{rows:,}".replace(",", "."), "limit": f"{limit:,}".replace(",", ".")}
    return ReconcileTooLarge(message % values, code="too_many_rows")


# --- writing ------------------------------------------------------------------------------


def _header() -> list[str]:
    side_labels = [
        _("baris"),
        _("NIK"),
        _("nama"),
        _("tanggal lahir"),
        _("JK"),
        _("kode kelurahan"),
    ]
    side_labels.append(_("alamat"))
    left, right = _("kiri"), _("kanan")
    return [
        _("kategori"),
        _("kecamatan"),
        _("peluang sama orang"),
        _("aturan"),
        _("perbedaan"),
        _("catatan"),
        *(f"{label} ({left})" for label in side_labels),
        *(f"{label} ({right})" for label in side_labels),
    ]


NIK_COLUMNS = (7, 14)  # NIK of each side in `_header`


def _rows(rows: pl.DataFrame) -> Iterable[list[Any]]:
    sides = [f"{name}_{side}" for side in ("l", "r") for name in ("record_id", *SHOWN)]
    for row in rows.select(
        "category", "kecamatan_name", "match_probability", "rule", "differences", "note", *sides
    ).iter_rows():
        category, kecamatan, probability, *rest = row
        shown = None if probability is None else round(probability, 4)
        yield [str(CATEGORY_LABELS[category]), kecamatan, shown, *rest]


def write_xlsx(result: ReconcileResult, target: Path | IO[bytes]) -> dict[str, int]:
    """A summary sheet, then one sheet per category."""
    header = _header()
    sheets = [_summary_sheet(result)]
    for category in CATEGORIES:
        rows = result.rows.filter(pl.col("category") == category)
        sheets.append(
            spreadsheet.Sheet(
                name=category,
                header=header,
                rows=_rows(rows),
                widths=[22, 18, 10, 12, 24, 30] + [18, 18, 26, 12, 4, 14, 30] * 2,
                text_columns=NIK_COLUMNS,
            )
        )
    return spreadsheet.write_xlsx(target, sheets)


def _summary_sheet(result: ReconcileResult) -> spreadsheet.Sheet:
    header = [_("kecamatan"), *(str(CATEGORY_LABELS[c]) for c in CATEGORIES), _("jumlah")]
    rows: list[list[Any]] = [
        [item["name"], *item["counts"], item["total"]] for item in result.by_kecamatan
    ]
    totals = [result.counts[category] for category in CATEGORIES]
    rows.append([_("Semua kecamatan"), *totals, sum(totals)])
    rows.append([])
    rows.append([_("Baris sumber kiri"), result.left_rows])
    rows.append([_("Baris sumber kanan"), result.right_rows])
    rows.append([_("Ambang peluang"), result.threshold])
    return spreadsheet.Sheet(
        name="ringkasan", header=header, rows=rows, widths=[28, 14, 14, 14, 14, 10]
    )


def write_csv(result: ReconcileResult, target: Path | IO[str]) -> int:
    """Every row in one file, the category in the first column."""
    return spreadsheet.write_csv(target, _header(), _rows(result.rows))


def write_output(result: ReconcileResult, target: Path) -> None:
    """XLSX or CSV by the target's suffix."""
    if target.suffix.lower() == ".csv":
        write_csv(result, target)
    elif target.suffix.lower() == ".xlsx":
        write_xlsx(result, target)
    else:
        raise ImportFileError(
            _("Berkas hasil harus berakhiran .xlsx atau .csv."), code="output_format"
        )


# --- the page's runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileRun:
    token: str
    result: ReconcileResult


def reconcile_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports" / "rekonsiliasi"


def reconcile_uploads(
    *,
    user: Any,
    left: Sequence[tuple[str, IO[bytes]]],
    right: Sequence[tuple[str, IO[bytes]]],
    threshold: float | None = None,
    max_rows: int = WEB_MAX_ROWS,
) -> ReconcileRun:
    """Reconcile uploaded files, keep the XLSX and CSV results under a random token, audit."""
    reconcile_cleanup()
    token = secrets.token_hex(16)
    work = reconcile_dir() / token
    try:
        left_paths = _saved(left, work / "kiri")
        right_paths = _saved(right, work / "kanan")
        result = reconcile_files(
            left_paths,
            right_paths,
            threshold=threshold,
            max_rows=max_rows,
            names=([name for name, _s in left], [name for name, _s in right]),
        )
    except ImportFileError:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work / "kiri", ignore_errors=True)
    shutil.rmtree(work / "kanan", ignore_errors=True)
    write_xlsx(result, work / "rekonsiliasi.xlsx")
    write_csv(result, work / "rekonsiliasi.csv")
    audit_record(
        actor=user,
        action="import.reconcile",
        summary=(
            f"Rekonsiliasi dua sumber: {result.left_rows} baris kiri, {result.right_rows} "
            f"baris kanan"
        ),
        changes={"counts": result.counts, "threshold": result.threshold, "token": token},
    )
    return ReconcileRun(token=token, result=result)


def _saved(uploads: Sequence[tuple[str, IO[bytes]]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (name, stream) in enumerate(uploads, start=1):
        target = folder / f"{number:02d}-{Path(name).name or 'berkas'}"
        with target.open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        readers.check_file(target, original_name=name)
        paths.append(target)
    return paths


def reconcile_output(token: str, fmt: str) -> Path | None:
    """The result file of a run, or None when the token or format is unknown."""
    if fmt not in FORMATS or not token.isalnum():
        return None
    path = reconcile_dir() / token / f"rekonsiliasi.{fmt}"
    return path if path.is_file() else None


def reconcile_cleanup(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Remove results older than `older_than` (they hold personal data); return how many."""
    if not reconcile_dir().is_dir():
        return 0
    cutoff = timezone.now().timestamp() - older_than.total_seconds()
    removed = 0
    for folder in reconcile_dir().iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
