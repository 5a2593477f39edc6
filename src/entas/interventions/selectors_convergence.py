"""Convergence: is every need of every extreme-poor family met by someone? The period
helpers, the area scope and the family × organisation matrix; coverage gaps and
double-dipping are in `selectors_gaps`, the family card in `selectors_family`, each
organisation's progress in `selectors_progress`.

The families that count are those classified extreme-poor (`TARGET_STATUSES`) in the
period's snapshot; a referral counts as help once committed (`choices.COMMITTED`).
Counts come from a few GROUP BY queries over referrals and classifications, never from a
loop over families: the city-wide matrix stays under a second (bench/bench_convergence.py).

Scope (ADR 0004): counts cover the user's areas (admins and leaders the whole city, field
officers their kecamatan/kelurahan); families are named only for users who may see names
(`access.can_view_convergence_names`: admins and field officers), through
`registry.selectors.household_scope`. OPD officers and partners see nothing here: they
would see other organisations' work.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import Organization, Role, User
from entas.interventions import choices as c
from entas.interventions.models import Programme, Referral
from entas.registry.choices import Relationship
from entas.registry.models import Household, Membership
from entas.registry.selectors import area_count_scope, household_scope
from entas.targeting import choices as tc
from entas.targeting.models import Classification, Period
from entas.wilayah.models import Region
from entas.wilayah.selectors import deployment_code

TARGET_STATUSES = (tc.Status.EXTREME,)
COMMITTED = [status.value for status in c.COMMITTED]
PROPOSED = c.ReferralStatus.PROPOSED.value
KELURAHAN_LEVEL = 4


# --- period and scope ------------------------------------------------------------------


def convergence_periods() -> QuerySet[Period]:
    """Classified periods, newest first: the period chooser's options."""
    return Period.objects.filter(classified_at__isnull=False).order_by("-ends_on", "-pk")


def convergence_period(*, code: str = "") -> Period | None:
    """The classified period `code`, or the latest classified one when empty; None when no
    period is classified yet. An unknown code is a 404."""
    periods = convergence_periods()
    if not code:
        return periods.first()
    found = periods.filter(code=code).first()
    if found is None:
        raise Http404(_("Periode tidak ditemukan."))
    return found


def access_convergence_kelurahan(*, user: User, kelurahan_code: str) -> Region:
    """A kelurahan of the deployment the user may count; 404 otherwise."""
    area = _region_area(user)
    region = (
        None
        if area is None
        else Region.objects.filter(area, code=kelurahan_code, level=KELURAHAN_LEVEL)
        .select_related("parent")
        .first()
    )
    if region is None:
        raise Http404(_("Kelurahan tidak ditemukan."))
    return region


def _region_area(user: User) -> Q | None:
    """The user's areas as a filter on Region itself; None when they may count none."""
    role = access.role_of(user)
    if role in access.CITY_WIDE_ROLES:
        return Q(code__startswith=deployment_code() + ".")
    if role != Role.FIELD_OFFICER:
        return None
    kecamatan, kelurahan = access.area_codes(user)
    area = Q(code__in=kelurahan)
    for code in kecamatan:
        area |= Q(code__startswith=code + ".")
    return area


def _targets(period: Period) -> QuerySet[Classification]:
    return Classification.objects.filter(period=period, status__in=TARGET_STATUSES)


def target_households(user: User, period: Period, kelurahan_code: str | None) -> QuerySet:
    """Ids of the period's target families in the user's areas (a subquery)."""
    area = area_count_scope(user)
    if area is None:
        return Household.objects.none().values("pk")
    households = Household.objects.filter(area, pk__in=_targets(period).values("household_id"))
    if kelurahan_code:
        households = households.filter(kelurahan_id=kelurahan_code)
    return households.values("pk")


def head_name_subquery(path: str = "pk") -> Subquery:
    """The current head's name, else the last head's (a family whose head died)."""
    heads = Membership.objects.filter(
        household_id=OuterRef(path), relationship=Relationship.HEAD
    ).order_by(F("end_date").desc(nulls_first=True), "-start_date", "-pk")
    return Subquery(heads.values("person__full_name")[:1])


def _region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


# --- the matrix ------------------------------------------------------------------------


@dataclass
class Cell:
    committed: int = 0
    proposed: int = 0


@dataclass
class MatrixRow:
    """A kelurahan (city level: `families` counted) or a family (kelurahan level: one)."""

    key: str
    name: str
    families: int = 0
    untouched: int = 0
    cells: dict[int, Cell] = field(default_factory=dict)
    household_id: int | None = None
    address: str = ""
    cell_list: list[Cell] = field(default_factory=list)

    @property
    def committed(self) -> int:
        return sum(cell.committed for cell in self.cells.values())

    @property
    def proposed(self) -> int:
        return sum(cell.proposed for cell in self.cells.values())

    @property
    def touched(self) -> int:
        return self.families - self.untouched

    def add(self, other: "MatrixRow") -> None:
        self.families += other.families
        self.untouched += other.untouched
        for organization_id, cell in other.cells.items():
            mine = self.cells.setdefault(organization_id, Cell())
            mine.committed += cell.committed
            mine.proposed += cell.proposed


@dataclass
class Matrix:
    """Rows × organisations, with the total row. At kelurahan level `rows` lists families
    only when the user may name them (`names_shown`); the total is there for everyone."""

    period: Period
    organizations: list[Organization]
    rows: list[MatrixRow]
    total: MatrixRow
    kelurahan: Region | None = None
    names_shown: bool = False


def matrix_organizations() -> list[Organization]:
    """The matrix's columns: organisations (OPD and partners) that have programmes."""
    owners = Programme.objects.values("owner_id")
    return list(Organization.objects.filter(pk__in=owners).order_by("kind", "name"))


def _cells(referrals: QuerySet[Referral], key: str) -> dict[object, dict[int, Cell]]:
    found: dict[object, dict[int, Cell]] = defaultdict(dict)
    grouped = (
        referrals.order_by()
        .values_list(key, "organization_id")
        .annotate(
            committed=Count("pk", filter=Q(status__in=COMMITTED)),
            proposed=Count("pk", filter=Q(status=PROPOSED)),
        )
    )
    for group, organization_id, committed, proposed in grouped:
        found[group][organization_id] = Cell(committed, proposed)
    return found


def convergence_matrix(*, user: User, period: Period, kelurahan_code: str | None = None) -> Matrix:
    """City level (no `kelurahan_code`): one row per kelurahan with its target families,
    the committed and proposed referrals per organisation, and the families with no
    committed referral ("belum tersentuh"). Kelurahan level: one row per family (named
    families only), the same total. Four GROUP BY queries plus names."""
    kelurahan = (
        access_convergence_kelurahan(user=user, kelurahan_code=kelurahan_code)
        if kelurahan_code
        else None
    )
    targets = target_households(user, period, kelurahan_code)
    referrals = Referral.objects.filter(
        period=period, household_id__in=targets, status__in=[*COMMITTED, PROPOSED]
    )
    organizations = matrix_organizations()
    if kelurahan is None:
        rows = _kelurahan_rows(targets, referrals)
    else:
        rows = _family_rows(user, targets, referrals)
    total = MatrixRow(key="", name=_("Jumlah"))
    if kelurahan is not None:
        total.families = Household.objects.filter(pk__in=targets).count()
        total.untouched = total.families - _touched(referrals, None).get(None, 0)
        total.cells = _cells(referrals, "period_id").get(period.pk, {})
    else:
        for row in rows:
            total.add(row)
    for row in [*rows, total]:
        row.cell_list = [row.cells.get(org.pk, Cell()) for org in organizations]
    return Matrix(
        period=period,
        organizations=organizations,
        rows=rows,
        total=total,
        kelurahan=kelurahan,
        names_shown=kelurahan is not None and access.can_view_convergence_names(user),
    )


def _touched(referrals: QuerySet[Referral], key: str | None) -> dict[object, int]:
    """Families with at least one committed referral, per `key` (or in all: key None)."""
    committed = referrals.filter(status__in=COMMITTED).order_by()
    if key is None:
        return {None: committed.values("household_id").distinct().count()}
    return dict(
        committed.values_list(key)
        .annotate(n=Count("household_id", distinct=True))
        .values_list(key, "n")
    )


def _kelurahan_rows(targets: QuerySet, referrals: QuerySet[Referral]) -> list[MatrixRow]:
    families = dict(
        Household.objects.filter(pk__in=targets)
        .order_by()
        .values_list("kelurahan_id")
        .annotate(n=Count("pk"))
        .values_list("kelurahan_id", "n")
    )
    cells = _cells(referrals, "household__kelurahan_id")
    touched = _touched(referrals, "household__kelurahan_id")
    names = _region_names(families)
    return [
        MatrixRow(
            key=code,
            name=names.get(code, code),
            families=count,
            untouched=count - touched.get(code, 0),
            cells=cells.get(code, {}),
        )
        for code, count in sorted(families.items())
    ]


def _family_rows(user: User, targets: QuerySet, referrals: QuerySet[Referral]) -> list[MatrixRow]:
    if not access.can_view_convergence_names(user):
        return []
    families = (
        household_scope(user)
        .filter(pk__in=targets)
        .annotate(head=head_name_subquery())
        .values_list("pk", "head", "address")
    )
    cells = _cells(referrals, "household_id")
    rows = []
    for pk, head, address in families:
        row_cells = cells.get(pk, {})
        committed = sum(cell.committed for cell in row_cells.values())
        rows.append(
            MatrixRow(
                key=str(pk), name=head or "—", families=1, untouched=0 if committed else 1,
                cells=row_cells, household_id=pk, address=address,
            )
        )  # fmt: skip
    return sorted(rows, key=lambda row: (row.untouched == 0, row.name.casefold(), row.key))
