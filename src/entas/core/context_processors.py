from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    from entas.wilayah.selectors import deployment_region_name

    return {"deployment_region_code": settings.ENTAS_REGION_CODE, "deployment_region_name": deployment_region_name()}
