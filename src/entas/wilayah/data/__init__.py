"""Reference data shipped with entas: the national region list and region boundaries.

Origins and licences are in SOURCES.md beside this file; the app reads nothing else.
"""

import csv
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
NATIONAL_LIST = DATA_DIR / "indonesia_wilayah.csv.gz"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
BOUNDARY_LAYERS = ("kecamatan", "kelurahan")
BOUNDARY_ATTRIBUTION = "Batas wilayah: cahyadsn/wilayah_boundaries (MIT)"


@dataclass(frozen=True)
class NationalRegion:
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None


def national_regions(path: Path = NATIONAL_LIST) -> Iterator[NationalRegion]:
    """The rows of the national list (a `.csv` or `.csv.gz` file), in file order."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            yield NationalRegion(
                code=row["kode"].strip(),
                name=row["nama"].strip(),
                level=int(row["level"]),
                kind=row["jenis"].strip(),
                parent_code=row["parent"].strip() or None,
            )


def boundary_files(region_code: str) -> list[Path]:
    """The GeoJSON files shipped for a kabupaten/kota, larger regions first; [] when none."""
    if not re.fullmatch(r"[0-9]{2}(\.[0-9]{2}){0,2}", region_code):
        return []
    folder = BOUNDARIES_DIR / region_code
    paths = [folder / f"{layer}.geojson" for layer in BOUNDARY_LAYERS]
    return [path for path in paths if path.is_file()]
