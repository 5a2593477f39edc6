"""Convergence gaps and overlaps: open needs of extreme-poor families that no organisation
has committed to (coverage gaps), and help given twice (double-dipping alerts).

Same scope as the matrix (`selectors_convergence`): counts cover the user's areas,
families are named only for users who may see names.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.models import User
from entas.interventions import choices as c
from entas.interventions.models import Programme, Referral
from entas.interventions.selectors_convergence import (
    COMMITTED,
    PROPOSED,
    head_name_subquery,
    target_households,
)
from entas.registry.selectors import area_count_scope, household_scope
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need

# --- coverage gaps ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """An open need with no committed referral answering it."""

    need_id: int
    household_id: int
    head_name: str
    kelurahan_code: str
    kelurahan_name: str
    kind: str
    label: str
    created_at: dt.datetime
    days_waiting: int
    programmes: list[str]
    is_proposed: bool


def _gap_needs(
    user: User, period: Period, kelurahan_code: str | None, kind: str | None
) -> QuerySet[Need]:
    targets = target_households(user, period, kelurahan_code)
    answered = Referral.objects.filter(need_id=OuterRef("pk"), status__in=COMMITTED)
    needs = Need.objects.filter(status=vc.NeedStatus.OPEN, household_id__in=targets).exclude(
        Exists(answered)
    )
    return needs.filter(kind=kind) if kind else needs


def coverage_gap_count(
    *, user: User, period: Period, kelurahan_code: str | None = None, kind: str | None = None
) -> int:
    """How many open needs of target families in the user's areas nobody has committed to."""
    return _gap_needs(user, period, kelurahan_code, kind).count()


def _need_labels() -> dict[tuple[str, str], str]:
    """(kind, detail) → "Kind: detail" with labels translated once: `need_label` for
    thousands of gaps spent most of its time translating the same choices."""
    labels: dict[tuple[str, str], str] = {}
    for kind, kind_label in vc.NeedKind.choices:
        labels[(kind, "")] = str(kind_label)
        details = vc.NEED_DETAILS.get(vc.NeedKind(kind))
        for detail, detail_label in details.choices if details else []:
            labels[(kind, detail)] = f"{kind_label}: {detail_label}"
    return labels


def _gap_label(kind: str, detail: str, member: str | None, labels: dict) -> str:
    label = labels.get((kind, detail)) or (
        f"{labels.get((kind, ''), kind)}: {detail}" if detail else labels.get((kind, ""), kind)
    )
    return f"{label} ({member})" if member else label


def _programmes_by_kind() -> dict[str, list[str]]:
    """Need kind → names of active programmes that answer it (the catalogue is small)."""
    found: dict[str, list[str]] = defaultdict(list)
    for name, needs in Programme.objects.filter(is_active=True).values_list("name", "needs"):
        for kind in needs or []:
            found[kind].append(name)
    return {kind: sorted(names, key=str.casefold) for kind, names in found.items()}


def coverage_gaps(
    *,
    user: User,
    period: Period,
    kelurahan_code: str | None = None,
    kind: str | None = None,
    today: dt.date | None = None,
) -> list[Gap]:
    """Open needs (terbuka) of the period's target families the user may name, with no
    committed referral answering them (`referral.need`), oldest first; each with the
    active programmes that could answer it and whether a referral is already proposed.
    Empty for users who may not see names (they get `coverage_gap_count`)."""
    if not access.can_view_convergence_names(user):
        return []
    today = today or timezone.localdate()
    proposed = Referral.objects.filter(need_id=OuterRef("pk"), status=PROPOSED)
    needs = (
        _gap_needs(user, period, kelurahan_code, kind)
        .filter(household_id__in=household_scope(user).values("pk"))
        .annotate(head=head_name_subquery("household_id"), is_proposed=Exists(proposed))
        .order_by("created_at", "pk")
        .values_list(
            "pk", "household_id", "head", "household__kelurahan_id", "household__kelurahan__name",
            "kind", "detail", "person__full_name", "created_at", "is_proposed",
        )
    )  # fmt: skip
    programmes, labels = _programmes_by_kind(), _need_labels()
    return [
        Gap(
            need_id=pk, household_id=household_id, head_name=head or "",
            kelurahan_code=kelurahan_code, kelurahan_name=kelurahan_name, kind=need_kind,
            label=_gap_label(need_kind, detail, member, labels), created_at=created_at,
            days_waiting=(today - timezone.localtime(created_at).date()).days,
            programmes=programmes.get(need_kind, []), is_proposed=is_proposed,
        )
        for (
            pk, household_id, head, kelurahan_code, kelurahan_name, need_kind, detail, member,
            created_at, is_proposed,
        ) in needs
    ]  # fmt: skip


# --- double-dipping --------------------------------------------------------------------

EXCLUSIVE, SAME_NEED, TWO_CASH = "saling_meniadakan", "kebutuhan_sama", "dua_tunai"


@dataclass(frozen=True)
class ReferralFact:
    pk: int
    household_id: int
    person_id: int | None
    programme_id: int
    programme_name: str
    programme_kind: str
    organization_id: int
    organization_name: str
    need_id: int | None


@dataclass(frozen=True)
class Alert:
    """Help given twice: `rule` is EXCLUSIVE, SAME_NEED or TWO_CASH; `explanation` says
    why in plain Indonesian. `head_name` is empty for users who may not see names."""

    rule: str
    household_id: int
    referrals: tuple[ReferralFact, ...]
    explanation: str
    head_name: str = ""
    address: str = ""


def _committed_facts(user: User, period: Period) -> list[ReferralFact]:
    """Committed referrals of the period for families in the user's areas that have two or
    more of them (only those can be double-dipping)."""
    area = area_count_scope(user, through="household__")
    if area is None:
        return []
    committed = Referral.objects.filter(area, period=period, status__in=COMMITTED).order_by()
    several = committed.values("household_id").annotate(n=Count("pk")).filter(n__gt=1)
    rows = committed.filter(household_id__in=several.values("household_id")).values_list(
        "pk", "household_id", "person_id", "programme_id", "programme__name", "programme__kind",
        "organization_id", "organization__name", "need_id",
    )  # fmt: skip
    return [ReferralFact(*row) for row in rows.order_by("household_id", "pk")]


def exclusive_pairs(programme_ids: set[int]) -> set[tuple[int, int]]:
    through = Programme.excludes.through
    return {
        (low, high)
        for low, high in through.objects.filter(
            from_programme_id__in=programme_ids, to_programme_id__in=programme_ids
        ).values_list("from_programme_id", "to_programme_id")
    }


def _same_target(first: ReferralFact, second: ReferralFact) -> bool:
    """A family programme overlaps every member's; two members' programmes do not."""
    return (
        first.person_id is None or second.person_id is None or (first.person_id == second.person_id)
    )


def family_alerts(facts: list[ReferralFact], exclusive: set[tuple[int, int]]) -> list[Alert]:
    household_id = facts[0].household_id
    alerts = []
    for index, first in enumerate(facts):
        for second in facts[index + 1 :]:
            pair = (first.programme_id, second.programme_id)
            if pair in exclusive and _same_target(first, second):
                alerts.append(
                    Alert(EXCLUSIVE, household_id, (first, second), _(
                        "%(first)s dan %(second)s tidak boleh diterima bersamaan dalam satu "
                        "periode, tetapi keduanya sudah disetujui untuk keluarga ini."
                    ) % {"first": first.programme_name, "second": second.programme_name})
                )  # fmt: skip
    by_need: dict[int, list[ReferralFact]] = defaultdict(list)
    for fact in facts:
        if fact.need_id is not None:
            by_need[fact.need_id].append(fact)
    for same in by_need.values():
        if len({fact.organization_id for fact in same}) > 1:
            names = ", ".join(sorted({fact.organization_name for fact in same}))
            alerts.append(
                Alert(SAME_NEED, household_id, tuple(same), _(
                    "Satu kebutuhan yang sama dijawab oleh lebih dari satu organisasi (%(names)s)."
                    " Cukup satu; yang lain dapat dialihkan ke keluarga lain."
                ) % {"names": names})
            )  # fmt: skip
    cash = [fact for fact in facts if fact.programme_kind == c.ProgrammeKind.CASH]
    if len({fact.programme_id for fact in cash}) > 1:
        names = ", ".join(sorted({fact.programme_name for fact in cash}))
        alerts.append(
            Alert(TWO_CASH, household_id, tuple(cash), _(
                "Keluarga ini menerima dua bantuan tunai atau lebih dalam periode yang sama"
                " (%(names)s). Periksa apakah memang diperlukan."
            ) % {"names": names})
        )  # fmt: skip
    return alerts


def _named_households(user: User, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id → (head name, address) of the families the user may name; empty for leaders."""
    if not access.can_view_convergence_names(user):
        return {}
    rows = (
        household_scope(user)
        .filter(pk__in=list(ids))
        .annotate(head=head_name_subquery())
        .values_list("pk", "head", "address")
    )
    return {pk: (head or "", address) for pk, head, address in rows}


def double_dipping(*, user: User, period: Period) -> list[Alert]:
    """Alerts of the period in the user's areas: (a) a family (or the same member) with
    committed referrals to two programmes that exclude each other; (b) one need answered
    by committed referrals of two organisations; (c) two committed cash programmes for
    one family. Families are named only for users who may see names."""
    facts = _committed_facts(user, period)
    exclusive = exclusive_pairs({fact.programme_id for fact in facts})
    by_family: dict[int, list[ReferralFact]] = defaultdict(list)
    for fact in facts:
        by_family[fact.household_id].append(fact)
    alerts = [alert for rows in by_family.values() for alert in family_alerts(rows, exclusive)]
    names = _named_households(user, by_family)
    return [
        Alert(
            alert.rule, alert.household_id, alert.referrals, alert.explanation,
            *names.get(alert.household_id, ("", "")),
        )
        for alert in alerts
    ]  # fmt: skip
