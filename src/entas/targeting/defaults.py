"""The sourced defaults shipped with entas: poverty lines, rule set v1, score weights v1.

Used by the data migration (with historical models) and by tests; reads only files inside
the package.
"""

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
LINE_INDICATORS = {"garis_kemiskinan_ekstrem": "ekstrem", "garis_kemiskinan": "kemiskinan"}
PPP_BASIS = re.compile(r"USD \d+\.\d+ PPP \d{4}")


def _effective_from(period: str) -> dt.date:
    """``2023-03`` → 1 March 2023; ``2022`` → 1 January 2022."""
    parts = [int(part) for part in period.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, 1)


def _basis(text: str) -> str:
    found = PPP_BASIS.search(text)
    return found.group(0) if found else "Garis kemiskinan BPS"


def line_rows() -> list[dict[str, Any]]:
    """Poverty lines from `poverty_figures.csv`, one dict of PovertyLine fields per line."""
    with (DATA / "poverty_figures.csv").open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["indikator"] in LINE_INDICATORS]
    return [
        {
            "kind": LINE_INDICATORS[row["indikator"]],
            "basis": _basis(row["basis"]),
            "region_code": row["kode_wilayah"],
            "region_name": row["wilayah"],
            "effective_from": _effective_from(row["periode"]),
            "amount": Decimal(row["nilai"]),
            "unit": "bulan",
            "source_url": row["sumber_url"],
            "note": row["basis"][:300],
        }
        for row in rows
    ]


def rules() -> dict[str, Any]:
    return json.loads((DATA / "rules.json").read_text(encoding="utf-8"))


def score_weights() -> dict[str, Any]:
    return json.loads((DATA / "score.json").read_text(encoding="utf-8"))


def load(line_model: Any, rules_model: Any, score_model: Any) -> None:
    """Write the defaults where none exist (idempotent)."""
    if not line_model.objects.exists():
        line_model.objects.bulk_create(line_model(**row) for row in line_rows())
    if not rules_model.objects.exists():
        rules_model.objects.create(
            version=1,
            name="Aturan bawaan",
            parameters=rules(),
            note="Garis ekstrem USD 2.15 PPP 2017 (BPS), GK terbaru, desil 1/2/4, temuan verval.",
            is_active=True,
        )
    if not score_model.objects.exists():
        score_model.objects.create(
            version=1,
            name="Bobot bawaan",
            parameters=score_weights(),
            note="Bobot contoh yang terdokumentasi; bukan bobot resmi.",
            is_active=True,
        )
