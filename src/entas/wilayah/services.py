"""Loading the region tree and region boundaries from the data shipped in `entas.wilayah.data`.

Both loads are idempotent: a row is written only when it is new or differs from the file,
so running them again after an upgrade applies renames and nothing else. Regions that have
left the national list are kept, because registry rows may still point at them.
"""

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from entas.core.exceptions import EntasError
from entas.core.services import audit_record
from entas.wilayah.data import (
    BOUNDARY_ATTRIBUTION,
    NATIONAL_LIST,
    NationalRegion,
    boundary_files,
    national_regions,
)
from entas.wilayah.models import Boundary, Region

BATCH_SIZE = 2000
REGION_FIELDS = ["name", "level", "kind", "parent"]
REGION_COLUMNS = ["name", "level", "kind", "parent_id"]
BOUNDARY_FIELDS = ["geometry", "centroid_lat", "centroid_lng", "area_km2", "attribution"]


class WilayahError(EntasError):
    """Region data could not be loaded; nothing was written."""


def regions_load(*, path: Path | None = None) -> int:
    """Load the national region list (Kepmendagri 2025 by default); return how many rows
    were created or updated (0 when the table already matches the file)."""
    rows = sorted(national_regions(path or NATIONAL_LIST), key=lambda row: (row.level, row.code))
    with transaction.atomic():
        created, updated = _region_changes(rows)
        Region.objects.bulk_create(created, batch_size=BATCH_SIZE)
        Region.objects.bulk_update(updated, REGION_FIELDS, batch_size=BATCH_SIZE)
        audit_record(
            actor=None,
            action="regions.load",
            summary=f"Daftar wilayah dimuat: {len(created)} baru, {len(updated)} diperbarui.",
            changes={"created": len(created), "updated": len(updated)},
        )
    return len(created) + len(updated)


def boundaries_load(*, region_code: str) -> int:
    """Load the boundaries shipped for a kabupaten/kota; return how many were created or
    updated. Returns 0 and writes nothing when no boundary files are shipped for the code."""
    paths = boundary_files(region_code)
    if not paths:
        return 0
    boundaries = [_boundary(feature) for path in paths for feature in _features(path)]
    with transaction.atomic():
        _check_regions_exist([boundary.region_id for boundary in boundaries])
        created, updated = _boundary_changes(boundaries)
        Boundary.objects.bulk_create(created, batch_size=BATCH_SIZE)
        Boundary.objects.bulk_update(updated, BOUNDARY_FIELDS, batch_size=BATCH_SIZE)
        audit_record(
            actor=None,
            action="boundaries.load",
            summary=f"Batas wilayah {region_code} dimuat: "
            f"{len(created)} baru, {len(updated)} diperbarui.",
            changes={"region": region_code, "created": len(created), "updated": len(updated)},
        )
    return len(created) + len(updated)


def _region_changes(rows: list[NationalRegion]) -> tuple[list[Region], list[Region]]:
    """The regions of `rows` missing from the table, and those that differ from it."""
    stored = {code: values for code, *values in Region.objects.values_list("code", *REGION_COLUMNS)}
    created = [_region(row) for row in rows if row.code not in stored]
    updated = [
        _region(row) for row in rows if row.code in stored and stored[row.code] != _values(row)
    ]
    return created, updated


def _boundary_changes(boundaries: list[Boundary]) -> tuple[list[Boundary], list[Boundary]]:
    stored = {
        region_id: values
        for region_id, *values in Boundary.objects.values_list("region_id", *BOUNDARY_FIELDS)
    }
    created = [item for item in boundaries if item.region_id not in stored]
    updated = [
        item
        for item in boundaries
        if item.region_id in stored and stored[item.region_id] != _boundary_values(item)
    ]
    return created, updated


def _values(row: NationalRegion) -> list[Any]:
    return [row.name, row.level, row.kind, row.parent_code]


def _region(row: NationalRegion) -> Region:
    return Region(
        code=row.code, name=row.name, level=row.level, kind=row.kind, parent_id=row.parent_code
    )


def _features(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        features: list[dict[str, Any]] = json.load(file)["features"]
    return features


def _boundary(feature: dict[str, Any]) -> Boundary:
    properties = feature["properties"]
    return Boundary(
        region_id=properties["kode"],
        geometry=feature["geometry"],
        centroid_lat=properties["centroid_lat"],
        centroid_lng=properties["centroid_lng"],
        area_km2=properties.get("luas_km2_approx"),
        attribution=BOUNDARY_ATTRIBUTION,
    )


def _boundary_values(boundary: Boundary) -> list[Any]:
    return [getattr(boundary, name) for name in BOUNDARY_FIELDS]


def _check_regions_exist(codes: list[str]) -> None:
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = sorted(set(codes) - known)
    if missing:
        raise WilayahError(
            _(
                "Batas wilayah tidak dapat dimuat karena %(count)d wilayah (mis. %(code)s) "
                "belum ada di daftar wilayah. Jalankan dulu: entas load_regions."
            )
            % {"count": len(missing), "code": missing[0]},
            code="regions_missing",
        )
