"""Reading organisations, their officers and the areas an officer may be given.

Only the user-management pages read these; the views check `access.can_manage_users`
first. An organisation or officer that does not exist (or not in that organisation) is 404.
"""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from entas.accounts.models import Organization, User
from entas.wilayah.selectors import region_kecamatan_list, region_kelurahan_list

Choices = list[tuple[str, list[tuple[str, str]]]]


def organization_list() -> QuerySet[Organization]:
    """Every organisation with its number of active officers (`active_officers`)."""
    return Organization.objects.annotate(
        active_officers=Count("user", filter=Q(user__is_active=True))
    ).order_by("kind", "name")


def organization_get(*, organization_id: int) -> Organization:
    try:
        return Organization.objects.get(pk=organization_id)
    except Organization.DoesNotExist:
        raise Http404("Organisasi tidak ditemukan.") from None


def officer_list(*, organization: Organization) -> QuerySet[User]:
    """The organisation's accounts, active first, with their areas."""
    return (
        User.objects.filter(organization=organization)
        .prefetch_related("areas")
        .order_by("-is_active", "username")
    )


def officer_get(*, organization: Organization, user_id: int) -> User:
    try:
        return User.objects.select_related("organization").get(
            organization=organization, pk=user_id
        )
    except User.DoesNotExist:
        raise Http404("Pengguna tidak ditemukan.") from None


def area_choices(*, kecamatan_label: str, group_label: str) -> Choices:
    """The deployment's kecamatan, each followed by its kelurahan, as grouped choices.
    `kecamatan_label` and `group_label` are formats with `%(name)s`."""
    kelurahan_of: dict[str, list[tuple[str, str]]] = {}
    for kelurahan in region_kelurahan_list().only("code", "name", "parent_id"):
        kelurahan_of.setdefault(kelurahan.parent_id or "", []).append(
            (kelurahan.code, kelurahan.name)
        )
    return [
        (
            group_label % {"name": kecamatan.name},
            [(kecamatan.code, kecamatan_label % {"name": kecamatan.name})]
            + kelurahan_of.get(kecamatan.code, []),
        )
        for kecamatan in region_kecamatan_list().only("code", "name")
    ]
