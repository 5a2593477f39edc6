"""Reading the registry, always through the user's scope (ADR 0004).

Protected rows are loaded only through `household_scope`/`person_scope` and the
`access_*` helpers; anything outside the scope does not exist for that user (404).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from entas.accounts import access
from entas.accounts.models import Role, User
from entas.registry.models import Household, Membership, Person
from entas.wilayah.selectors import deployment_code


def household_scope(user: User) -> QuerySet[Household]:
    """Households the user may see: the whole deployment for admins, assigned areas for
    field officers; OPD officers and partners see only households referred to or adopted
    by their organisation (none until the interventions module refers any)."""
    role = access.role_of(user)
    households = Household.objects.filter(kelurahan_id__startswith=deployment_code() + ".")
    if role == Role.ADMIN:
        return households
    if role == Role.FIELD_OFFICER:
        kecamatan, kelurahan = access.area_codes(user)
        if not kecamatan and not kelurahan:
            return households.none()
        return households.filter(Q(kelurahan__parent_id__in=kecamatan) | Q(kelurahan_id__in=kelurahan))
    return households.none()


def person_scope(user: User) -> QuerySet[Person]:
    """Persons who are or were members of a household in the user's scope."""
    in_scope = Membership.objects.filter(person_id=OuterRef("pk"), household__in=household_scope(user))
    return Person.objects.filter(Exists(in_scope))


def access_household(user: User, household_id: int | str) -> Household:
    try:
        return household_scope(user).select_related("kelurahan__parent", "current_welfare").get(pk=household_id)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404("Keluarga tidak ditemukan.") from None


def access_person(user: User, person_id: int | str) -> Person:
    try:
        return person_scope(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("Individu tidak ditemukan.") from None
