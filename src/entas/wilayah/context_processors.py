from django.conf import settings
from django.http import HttpRequest

from entas.wilayah.selectors import deployment_region_name


def deployment(request: HttpRequest) -> dict[str, object]:
    """The kab/kota this deployment serves, for the page header."""
    return {
        "deployment_region_code": settings.ENTAS_REGION_CODE,
        "deployment_region_name": deployment_region_name(),
    }
