"""Template helpers that apply the access rules decided in `accounts.access`.

Templates never decide: the view passes the decision (e.g. `full_nik`), these helpers
only apply it, and the menu lists what `access` allows.
"""

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from entas.accounts import access

register = template.Library()


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool


@register.filter
def identity_number(value: str | None, full: bool) -> str:
    """A NIK or No. KK in full when `full`, else masked (3374********0001)."""
    if not value:
        return "—"
    return value if full else access.mask_nik(value)


@register.simple_tag(takes_context=True)
def navigation(context: dict[str, Any]) -> list[MenuItem]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not access.is_signed_in(user):
        return []
    pages = [
        (access.can_view_registry(user), "registry:search", _("Cari")),
        (access.can_view_aggregates(user), "registry:summary", _("Ringkasan")),
        (access.can_view_targeting(user), "targeting:index", _("Sasaran")),
        (access.is_field_officer(user), "verval:field_list", _("Kunjungan")),
        (access.can_review_visits(user), "verval:review_queue", _("Periksa")),
        (access.can_view_verval_progress(user), "verval:campaign_list", _("Verval")),
        (access.can_accompany(user), "verval:companion_list", _("Pendampingan")),
        (access.can_view_catalogue(user), "interventions:catalogue_list", _("Program")),
        (access.can_work_referrals(user), "interventions:referral_queue", _("Rujukan")),
        (access.can_view_convergence(user), "interventions:convergence_index", _("Konvergensi")),
        (
            access.can_view_progress(user) and not access.can_view_convergence(user),
            "interventions:convergence_progress",
            _("Capaian"),
        ),
        (access.can_work_pledges(user), "interventions:pledge_list", _("Komitmen mitra")),
        (access.can_export(user), "exports:page", _("Ekspor")),
        (access.can_import(user), "imports:list", _("Impor")),
        (access.can_match_report(user), "linkage:index", _("Pencocokan")),
        (access.can_view_audit(user), "accounts:audit_log", _("Log audit")),
        (access.can_manage_users(user), "accounts:organization_list", _("Pengguna")),
    ]
    items = []
    for allowed, name, label in pages:
        if allowed:
            url = reverse(name)
            items.append(MenuItem(url=url, label=str(label), current=request.path == url))
    return items
