"""Small request helpers shared by the views of every app."""

from django.http import HttpRequest


def is_htmx_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of the page; a history restore wants the whole page."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
