"""Reading the registry, always through the user's scope (ADR 0004).

Protected rows are loaded only through `household_scope`/`person_scope` and the
`access_*` helpers; anything outside the scope does not exist for that user (404).
Scope is written as a filter on the household's own columns (`_scope_filter`) so that it
can be applied through a join without materialising the list of households in scope:
that keeps a search over a million persons under a second.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from entas.accounts import access
from entas.accounts.models import Role, User
from entas.core.models import AuditEvent
from entas.registry import choices as c
from entas.registry.models import (
    Household,
    HouseholdGrant,
    Membership,
    Person,
    PersonNameToken,
    ProgrammeReceipt,
    WelfareRecord,
)
from entas.registry.services import name_tokens
from entas.wilayah import identity
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code, region_kecamatan_list, region_kelurahan_list

SEARCH_PAGE_SIZE = 20
SEARCH_COUNT_LIMIT = 1000
HISTORY_LIMIT = 100
# Reading a record is logged, but a history of who read it would drown the changes.
READ_ACTIONS = ("household.view", "person.view", "registry.search")


# --- scope ---------------------------------------------------------------------------


def _area_filter(kecamatan: list[str], kelurahan: list[str], *, through: str) -> Q:
    area = Q(**{f"{through}kelurahan__code__in": kelurahan})
    for code in kecamatan:
        area |= Q(**{f"{through}kelurahan__code__startswith": code + "."})
    return area


def _scope_filter(user: User, *, through: str = "") -> Q | None:
    """The households a user may see, as a filter on household columns reached through
    `through` (e.g. ``"household__"``); None when the user may see no household."""
    role = access.role_of(user)
    deployment = Q(**{f"{through}kelurahan__code__startswith": deployment_code() + "."})
    if role == Role.ADMIN:
        return deployment
    if role == Role.FIELD_OFFICER:
        kecamatan, kelurahan = access.area_codes(user)
        if not kecamatan and not kelurahan:
            return None
        return deployment & _area_filter(kecamatan, kelurahan, through=through)
    if role in (Role.OPD_OFFICER, Role.PARTNER) and user.organization_id is not None:
        granted = HouseholdGrant.objects.filter(
            organization_id=user.organization_id,
            household_id=OuterRef(f"{through}pk"),
            revoked_at__isnull=True,
        )
        return deployment & Q(Exists(granted))
    return None


def household_scope(user: User) -> QuerySet[Household]:
    """Households the user may see: the whole deployment for admins, assigned areas for
    field officers; OPD officers and partners only households granted to their
    organisation (`HouseholdGrant`: referred to it or adopted by it)."""
    scope = _scope_filter(user)
    return Household.objects.none() if scope is None else Household.objects.filter(scope)


def _persons_within(scope: Q | None) -> QuerySet[Person]:
    if scope is None:
        return Person.objects.none()
    return Person.objects.filter(Exists(Membership.objects.filter(scope, person_id=OuterRef("pk"))))


def person_scope(user: User) -> QuerySet[Person]:
    """Persons who are or were members of a household in the user's scope."""
    return _persons_within(_scope_filter(user, through="household__"))


def access_household(user: User, household_id: int | str) -> Household:
    try:
        return (
            household_scope(user)
            .select_related("kelurahan__parent", "current_welfare")
            .get(pk=household_id)
        )
    except (Household.DoesNotExist, ValueError, TypeError):
        raise Http404("Keluarga tidak ditemukan.") from None


def access_person(user: User, person_id: int | str) -> Person:
    try:
        return person_scope(user).get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("Individu tidak ditemukan.") from None


def searchable_kelurahan(user: User) -> QuerySet[Region]:
    """The kelurahan whose households the user may see, for the search filter."""
    role = access.role_of(user)
    if role == Role.ADMIN:
        return region_kelurahan_list()
    if role == Role.FIELD_OFFICER:
        kecamatan, assigned = access.area_codes(user)
        return region_kelurahan_list().filter(Q(parent_id__in=kecamatan) | Q(code__in=assigned))
    return Region.objects.none()


# --- search --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonResult:
    """A person found, with the membership shown beside them (current, else the latest)."""

    person: Person
    membership: Membership | None


@dataclass(frozen=True)
class PersonSearchPage:
    results: list[PersonResult]
    number: int
    has_next: bool
    total: int
    total_is_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * SEARCH_PAGE_SIZE + 1 if self.results else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * SEARCH_PAGE_SIZE + len(self.results)


def search_number(query: str) -> str | None:
    """The 16 digits of a query that is a number (NIK or No. KK), else None."""
    number = identity.normalize_number(query)
    return number if number.isdigit() else None


def token_range(word: str) -> tuple[str, str]:
    """The half-open range of tokens starting with `word`: SIT → [SIT, SIU)."""
    return word, word[:-1] + chr(ord(word[-1]) + 1)


def _matching(persons: QuerySet[Person], query: str) -> QuerySet[Person]:
    number = search_number(query)
    if number is not None:
        in_family = Membership.objects.filter(household__kk_number=number).values_list(
            "person_id", flat=True
        )
        ids = {*Person.objects.filter(nik=number).values_list("pk", flat=True), *in_family}
        return persons.filter(pk__in=ids)
    words = name_tokens(query)
    if not words:
        return persons
    # Intersect the words inside the token index before touching person rows.
    matched: QuerySet[PersonNameToken] | None = None
    for word in sorted(words, key=len, reverse=True):
        low, high = token_range(word)
        tokens = PersonNameToken.objects.filter(token__gte=low, token__lt=high)
        if matched is not None:
            tokens = tokens.filter(person_id__in=matched.values("person_id"))
        matched = tokens
    assert matched is not None
    return persons.filter(pk__in=matched.values("person_id"))


def person_search(
    *,
    user: User,
    query: str = "",
    kelurahan_code: str = "",
    status: str = "",
    birth_date: dt.date | None = None,
    page: int = 1,
) -> PersonSearchPage:
    """Persons in the user's scope matching a NIK or No. KK (16 digits, exact) or the
    prefixes of name words, optionally in a kelurahan (any membership, past or present),
    with a status and a birth date; ordered by name, one page at a time.

    The total is counted up to SEARCH_COUNT_LIMIT only: the page needs just the first
    rows by name (a top-N sort), and counting every "SIT..." in a million rows would cost
    more than the page itself.
    """
    scope = _scope_filter(user, through="household__")
    persons = _matching(_persons_within(scope), query)
    if kelurahan_code:
        in_kelurahan = Membership.objects.filter(household__kelurahan=kelurahan_code)
        persons = persons.filter(pk__in=in_kelurahan.values("person_id"))
    if status:
        persons = persons.filter(status=status)
    if birth_date:
        persons = persons.filter(birth_date=birth_date)
    total = persons.order_by()[: SEARCH_COUNT_LIMIT + 1].count()
    offset = (page - 1) * SEARCH_PAGE_SIZE
    found = list(persons.order_by("full_name", "pk")[offset : offset + SEARCH_PAGE_SIZE + 1])
    return PersonSearchPage(
        results=_with_memberships(found[:SEARCH_PAGE_SIZE], scope),
        number=page,
        has_next=len(found) > SEARCH_PAGE_SIZE,
        total=min(total, SEARCH_COUNT_LIMIT),
        total_is_capped=total > SEARCH_COUNT_LIMIT,
    )


def _with_memberships(persons: Sequence[Person], scope: Q | None) -> list[PersonResult]:
    if not persons or scope is None:
        return [PersonResult(person, None) for person in persons]
    memberships = Membership.objects.filter(scope, person__in=persons).select_related(
        "household__kelurahan"
    )
    shown: dict[int, Membership] = {}
    for membership in sorted(memberships, key=_recency):
        shown[membership.person_id] = membership
    return [PersonResult(person, shown.get(person.pk)) for person in persons]


def _recency(membership: Membership) -> tuple[bool, dt.date, int]:
    """Sort key putting the current membership last, else the latest start."""
    return membership.end_date is None, membership.start_date, membership.pk


# --- household and person pages ------------------------------------------------------


@dataclass(frozen=True)
class HouseholdDetail:
    household: Household
    members: list[Membership]
    former_members: list[Membership]
    welfare_records: list[WelfareRecord]
    programmes: list[ProgrammeReceipt]
    history: list[AuditEvent]


_RELATIONSHIP_ORDER = {value: index for index, value in enumerate(c.Relationship.values)}


def household_detail(*, household: Household) -> HouseholdDetail:
    """Everything the household page shows; `household` comes from `access_household`."""
    memberships = list(
        Membership.objects.filter(household=household)
        .select_related("person")
        .order_by("start_date", "pk")
    )
    current = [m for m in memberships if m.end_date is None]
    current.sort(
        key=lambda m: (
            _RELATIONSHIP_ORDER.get(m.relationship, 99),
            m.person.birth_date or dt.date.max,
        )
    )
    return HouseholdDetail(
        household=household,
        members=current,
        former_members=[m for m in memberships if m.end_date is not None],
        welfare_records=list(household.welfare_records.order_by("-as_of", "-pk")),
        programmes=list(
            household.programme_receipts.select_related("person").order_by("-as_of", "programme")
        ),
        history=list(
            AuditEvent.objects.filter(trail=household.trail)
            .exclude(action__in=READ_ACTIONS)
            .select_related("actor")[:HISTORY_LIMIT]
        ),
    )


@dataclass(frozen=True)
class PersonDetail:
    person: Person
    memberships: list[Membership]
    programmes: list[ProgrammeReceipt]
    history: list[AuditEvent]


def person_detail(*, user: User, person: Person) -> PersonDetail:
    """Everything the person page shows; `person` comes from `access_person`. Memberships
    in households outside the user's scope are left out."""
    scope = _scope_filter(user, through="household__")
    memberships = (
        Membership.objects.none()
        if scope is None
        else Membership.objects.filter(scope, person=person)
    )
    return PersonDetail(
        person=person,
        memberships=list(
            memberships.select_related("household__kelurahan").order_by("-start_date", "-pk")
        ),
        programmes=list(person.programme_receipts.order_by("-as_of", "programme")),
        history=list(
            AuditEvent.objects.filter(target_type="registry.person", target_id=str(person.pk))
            .exclude(action__in=READ_ACTIONS)
            .select_related("actor")[:HISTORY_LIMIT]
        ),
    )


# --- aggregates ----------------------------------------------------------------------


@dataclass
class SummaryRow:
    """Counts for one kecamatan or kelurahan. No names: safe for leaders."""

    code: str
    name: str
    households_by_status: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    households_by_desil: dict[int | None, int] = field(default_factory=dict)

    def households(self, status: str) -> int:
        return self.households_by_status.get(status, 0)

    @property
    def active_households(self) -> int:
        return self.households(c.HouseholdStatus.ACTIVE)

    @property
    def status_columns(self) -> list[int]:
        """Households per status, in `HouseholdStatus` order."""
        return [self.households(status) for status in c.HouseholdStatus.values]

    @property
    def desil_columns(self) -> list[int]:
        """Active households in desil 1, 2, 3, 4, 5–10 and without a desil."""
        by_desil = self.households_by_desil
        higher = sum(count for desil, count in by_desil.items() if desil is not None and desil > 4)
        return [*(by_desil.get(desil, 0) for desil in (1, 2, 3, 4)), higher, by_desil.get(None, 0)]


def area_count_scope(user: User, *, through: str = "") -> Q | None:
    """Rows whose kelurahan (reached through `through`, on any model with a `kelurahan`)
    lies where the user may count by area: admins and leaders the whole deployment, field
    officers their areas; None for everyone else. For counts and lists by area (campaign
    progress, convergence), which OPD officers and partners never open."""
    role = access.role_of(user)
    if role in access.CITY_WIDE_ROLES:
        return Q(**{f"{through}kelurahan__code__startswith": deployment_code() + "."})
    if role != Role.FIELD_OFFICER:
        return None
    kecamatan, kelurahan = access.area_codes(user)
    if not kecamatan and not kelurahan:
        return None
    return _area_filter(kecamatan, kelurahan, through=through)


def _aggregate_scope(user: User, *, through: str = "") -> Q | None:
    """What a user may count: leaders count the whole deployment, others their scope."""
    if access.role_of(user) == Role.LEADER:
        return Q(**{f"{through}kelurahan__code__startswith": deployment_code() + "."})
    return _scope_filter(user, through=through)


def _summary_regions(user: User, kecamatan_code: str) -> QuerySet[Region]:
    if kecamatan_code:
        regions = region_kelurahan_list(parent_code=kecamatan_code)
    else:
        regions = region_kecamatan_list()
    if access.role_of(user) in (Role.ADMIN, Role.LEADER):
        return regions
    kecamatan, kelurahan = access.area_codes(user)
    parents = {code.rsplit(".", 1)[0] for code in kelurahan}
    if kecamatan_code:
        return regions.filter(Q(parent_id__in=kecamatan) | Q(code__in=kelurahan))
    return regions.filter(code__in={*kecamatan, *parents})


def registry_summary(*, user: User, kecamatan_code: str = "") -> list[SummaryRow]:
    """Households by status, current members of active households, and active households
    by desil of their current welfare record, per kecamatan of the deployment (or per
    kelurahan of `kecamatan_code`), within what the user may count."""
    scope = _aggregate_scope(user)
    member_scope = _aggregate_scope(user, through="household__")
    if scope is None or member_scope is None:
        return []
    if kecamatan_code:
        scope &= Q(kelurahan__code__startswith=kecamatan_code + ".")
        member_scope &= Q(household__kelurahan__code__startswith=kecamatan_code + ".")
    rows = {
        region.code: SummaryRow(code=region.code, name=region.name)
        for region in _summary_regions(user, kecamatan_code)
    }

    def row_of(kelurahan_id: str) -> SummaryRow:
        code = kelurahan_id if kecamatan_code else kelurahan_id.rsplit(".", 1)[0]
        return rows.setdefault(code, SummaryRow(code=code, name=code))

    households = Household.objects.filter(scope).order_by()
    for item in households.values("kelurahan_id", "status").annotate(n=Count("pk")):
        by_status = row_of(item["kelurahan_id"]).households_by_status
        by_status[item["status"]] = by_status.get(item["status"], 0) + item["n"]
    active = households.filter(status=c.HouseholdStatus.ACTIVE)
    desil_counts = active.values("kelurahan_id", "current_welfare__desil").annotate(n=Count("pk"))
    for desil_count in desil_counts:
        by_desil = row_of(desil_count["kelurahan_id"]).households_by_desil
        desil = desil_count["current_welfare__desil"]
        by_desil[desil] = by_desil.get(desil, 0) + desil_count["n"]
    members = Membership.objects.filter(
        member_scope, end_date__isnull=True, household__status=c.HouseholdStatus.ACTIVE
    ).order_by()
    for member_count in members.values("household__kelurahan_id").annotate(n=Count("pk")):
        row_of(member_count["household__kelurahan_id"]).persons += member_count["n"]
    return sorted(rows.values(), key=lambda summary: summary.code)


def summary_total(rows: list[SummaryRow]) -> SummaryRow:
    total = SummaryRow(code="", name="")
    for row in rows:
        for status, count in row.households_by_status.items():
            total.households_by_status[status] = total.households(status) + count
        for desil, count in row.households_by_desil.items():
            total.households_by_desil[desil] = total.households_by_desil.get(desil, 0) + count
        total.persons += row.persons
    return total
