"""Reading the region tree. The deployment serves the kab/kota in settings.ENTAS_REGION_CODE."""

from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet

from entas.wilayah.models import Region


def deployment_code() -> str:
    return settings.ENTAS_REGION_CODE


@lru_cache(maxsize=8)
def _region_name(code: str) -> str:
    region = Region.objects.filter(code=code).only("name").first()
    return region.name if region else code


def deployment_region_name() -> str:
    return _region_name(deployment_code())


def region_kecamatan_list(*, parent_code: str | None = None) -> QuerySet[Region]:
    return Region.objects.filter(parent_id=parent_code or deployment_code(), level=3).order_by(
        "code"
    )


def region_kelurahan_list(*, parent_code: str | None = None) -> QuerySet[Region]:
    """Kelurahan/desa of a kecamatan, or of the whole deployment when no kecamatan is given."""
    if parent_code and parent_code.count(".") == 2:
        return Region.objects.filter(parent_id=parent_code, level=4).order_by("code")
    prefix = (parent_code or deployment_code()) + "."
    return Region.objects.filter(code__startswith=prefix, level=4).order_by("code")


def region_is_in_deployment(code: str) -> bool:
    return code == deployment_code() or code.startswith(deployment_code() + ".")
