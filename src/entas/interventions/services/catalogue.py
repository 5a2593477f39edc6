"""The programme catalogue: programmes, their allocations per period, dismissing a
recommendation, and loading the example catalogue. Every write is audited in its own
transaction; a refusal raises `CatalogueError` with an Indonesian message and writes
nothing.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from entas.accounts.models import Organization, OrganizationKind
from entas.core.services import audit_record
from entas.interventions import choices as c
from entas.interventions import defaults
from entas.interventions.eligibility import eligibility_validate, plain_conditions
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.targeting.models import Period
from entas.verval.choices import NeedKind

CENT = Decimal("0.01")
OWNER_KINDS = (OrganizationKind.DINSOS, OrganizationKind.OPD, OrganizationKind.PARTNER)


class CatalogueError(Exception):
    """A catalogue change that cannot be made; `messages` say why, in Indonesian."""

    def __init__(self, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)


@dataclass
class ProgrammeData:
    """What a programme form or the example catalogue gives; validated by the services."""

    name: str
    owner: Organization
    kind: str
    strategy: str
    target: str = c.Target.HOUSEHOLD
    needs: list[str] = field(default_factory=list)
    eligibility: list[Any] = field(default_factory=list)
    unit: str = "paket"
    unit_cost: Decimal = Decimal(0)
    description: str = ""
    is_active: bool = True
    excludes: list[Programme] = field(default_factory=list)


def programme_problems(data: ProgrammeData, *, programme: Programme | None = None) -> list[str]:
    """Every reason `data` cannot be saved (as `programme` when editing); empty when valid."""
    problems = []
    if not data.name.strip():
        problems.append(_("Nama program wajib diisi."))
    if data.owner.kind not in OWNER_KINDS:
        problems.append(_("Pelaksana harus Dinas Sosial, OPD atau mitra."))
    for value, choices, label in (
        (data.kind, c.ProgrammeKind, _("Jenis")),
        (data.strategy, c.Strategy, _("Strategi")),
        (data.target, c.Target, _("Sasaran")),
    ):
        if value not in choices.values:
            problems.append(
                _("%(label)s %(value)s tidak dikenal.") % {"label": label, "value": value}
            )
    unknown = [kind for kind in data.needs if kind not in NeedKind.values]
    if unknown:
        problems.append(_("Kebutuhan tidak dikenal: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    if data.unit_cost is None or data.unit_cost < 0:
        problems.append(_("Biaya per satuan tidak boleh negatif."))
    if programme is not None and any(other.pk == programme.pk for other in data.excludes):
        problems.append(_("Program tidak dapat mengecualikan dirinya sendiri."))
    errors = eligibility_validate(data.eligibility)
    problems.extend(errors)
    if not errors:
        problems.extend(_needs_problems(data))
    return problems


def _needs_problems(data: ProgrammeData) -> list[str]:
    """A `need.kind` condition may only ask for kinds the programme answers."""
    asked = {
        kind
        for condition in plain_conditions(data.eligibility)
        if condition["field"] == "need.kind" and condition["op"] in ("eq", "in")
        for kind in (
            condition["value"] if isinstance(condition["value"], list) else [condition["value"]]
        )
    }
    outside = sorted(asked - set(data.needs))
    if not outside:
        return []
    return [
        _("Syarat kebutuhan %(kinds)s harus juga dicentang pada kebutuhan yang dijawab program.")
        % {"kinds": ", ".join(outside)}
    ]


def _snapshot(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name, "owner": programme.owner.code, "kind": programme.kind,
        "strategy": programme.strategy, "target": programme.target, "needs": programme.needs,
        "eligibility": programme.eligibility, "unit": programme.unit,
        "unit_cost": str(Decimal(programme.unit_cost).quantize(CENT)),
        "is_active": programme.is_active,
        "excludes": sorted(other.code for other in programme.excludes.all()),
    }  # fmt: skip


FIELDS = (
    "owner", "kind", "strategy", "target", "needs", "eligibility", "unit", "unit_cost",
    "description", "is_active",
)  # fmt: skip


def _apply(programme: Programme, data: ProgrammeData) -> None:
    programme.name = data.name.strip()
    for name in FIELDS:
        setattr(programme, name, getattr(data, name))


def programme_create(*, actor: Any, code: str, data: ProgrammeData) -> Programme:
    problems = programme_problems(data)
    if Programme.objects.filter(code=code).exists():
        problems.insert(0, _("Kode program %(code)s sudah dipakai.") % {"code": code})
    if not code:
        problems.insert(0, _("Kode program wajib diisi."))
    if problems:
        raise CatalogueError(problems)
    with transaction.atomic():
        programme = Programme(code=code)
        _apply(programme, data)
        programme.save()
        programme.excludes.set(data.excludes)  # symmetrical: the others exclude it too
        audit_record(
            actor=actor, action="programme_create", target=programme,
            summary=_("Program %(name)s ditambahkan.") % {"name": programme.name},
            changes={"after": _snapshot(programme)},
        )  # fmt: skip
    return programme


def programme_update(*, actor: Any, programme: Programme, data: ProgrammeData) -> Programme:
    problems = programme_problems(data, programme=programme)
    if problems:
        raise CatalogueError(problems)
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        before = _snapshot(programme)
        _apply(programme, data)
        programme.save()
        programme.excludes.set(data.excludes)
        after = _snapshot(programme)
        changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if not changed:
            return programme  # nothing to record; the rows are as they were
        audit_record(
            actor=actor, action="programme_update", target=programme,
            summary=_("Program %(name)s diubah.") % {"name": programme.name}, changes=changed,
        )  # fmt: skip
    return programme


def committed_usage(*, programme: Programme, period: Period) -> tuple[int, Decimal]:
    """Units and rupiah held by the programme's committed referrals in the period."""
    totals = Referral.objects.filter(
        programme=programme, period=period, status__in=c.COMMITTED
    ).aggregate(quantity=Sum("quantity"), amount=Sum("amount"))
    return totals["quantity"] or 0, totals["amount"] or Decimal(0)


def rupiah(amount: Decimal) -> str:
    """Rupiah as Indonesians write it: 6.000.000 (cents only when there are any)."""
    text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text.removesuffix(",00")


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise CatalogueError(_("Anggaran harus berupa angka rupiah.")) from error


def allocation_set(
    *, actor: Any, programme: Programme, period: Period, quota: int | None, budget: Any
) -> ProgrammeAllocation:
    """Set a programme's quota (units) and budget (rupiah) for a period; empty = no limit.
    Refused below what committed referrals already hold. A frozen period takes
    allocations: freezing fixes the list of families, and help is planned on that list."""
    amount = _as_decimal(budget)
    problems = []
    if quota is not None and quota < 0:
        problems.append(_("Kuota tidak boleh negatif."))
    if amount is not None and amount < 0:
        problems.append(_("Anggaran tidak boleh negatif."))
    used_units, used_amount = committed_usage(programme=programme, period=period)
    if quota is not None and quota >= 0 and quota < used_units:
        problems.append(
            _("Kuota %(quota)d lebih kecil dari %(used)d satuan yang sudah disetujui.")
            % {"quota": quota, "used": used_units}
        )
    if amount is not None and amount >= 0 and amount < used_amount:
        problems.append(
            _("Anggaran lebih kecil dari Rp%(used)s yang sudah disetujui.")
            % {"used": rupiah(used_amount)}
        )
    if problems:
        raise CatalogueError(problems)
    with transaction.atomic():
        allocation, created = ProgrammeAllocation.objects.select_for_update().get_or_create(
            programme=programme, period=period, defaults={"quota": quota, "budget": amount}
        )
        before = {"quota": allocation.quota, "budget": str(allocation.budget)}
        if not created:
            allocation.quota, allocation.budget = quota, amount
            allocation.save(update_fields=["quota", "budget", "updated_at"])
        audit_record(
            actor=actor, action="allocation_set", target=allocation,
            summary=_("Kuota dan anggaran %(programme)s periode %(period)s diatur.")
            % {"programme": programme.name, "period": period.code},
            changes={"before": None if created else before,
                     "after": {"quota": quota, "budget": str(amount)}},
        )  # fmt: skip
    return allocation


def recommendation_dismiss(
    *, actor: Any, recommendation: Recommendation, reason: str
) -> Recommendation:
    """Set aside an open recommendation, with the reason (kept on the row and in the audit
    trail); a later run keeps it dismissed."""
    reason = reason.strip()
    if not reason:
        raise CatalogueError(_("Alasan wajib diisi."))
    with transaction.atomic():
        recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        if recommendation.status != c.RecommendationStatus.OPEN:
            raise CatalogueError(_("Rekomendasi ini sudah tidak baru lagi."))
        recommendation.status = c.RecommendationStatus.DISMISSED
        recommendation.dismiss_reason = reason
        recommendation.save(update_fields=["status", "dismiss_reason", "updated_at"])
        audit_record(
            actor=actor, action="recommendation_dismiss", target=recommendation,
            trail=f"household:{recommendation.household_id}",
            summary=_("Rekomendasi diabaikan."), reason=reason,
        )  # fmt: skip
    return recommendation


# --- the example catalogue ---------------------------------------------------------------


def catalogue_load(*, actor: Any) -> dict[str, int]:
    """Create or update the example organisations and programmes by code (idempotent).
    Exclusions are set after every programme exists. Returns counts created and updated."""
    counts = {"organizations_created": 0, "organizations_updated": 0, "programmes_created": 0,
              "programmes_updated": 0}  # fmt: skip
    with transaction.atomic(), translation.override("id"):
        for row in defaults.organization_rows():
            _organization, created = Organization.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"]}
            )
            counts["organizations_created" if created else "organizations_updated"] += 1
        rows = defaults.programme_rows()
        for row in rows:
            data = _data_of(row, excludes=[])
            existing = Programme.objects.filter(code=row["code"]).first()
            if existing is None:
                programme_create(actor=actor, code=row["code"], data=data)
                counts["programmes_created"] += 1
            else:
                data.excludes = list(existing.excludes.all())
                programme_update(actor=actor, programme=existing, data=data)
                counts["programmes_updated"] += 1
        for row in rows:
            programme = Programme.objects.get(code=row["code"])
            wanted = list(Programme.objects.filter(code__in=row["excludes"]))
            if {p.pk for p in wanted} != {p.pk for p in programme.excludes.all()}:
                programme_update(
                    actor=actor, programme=programme, data=_data_of(row, excludes=wanted)
                )
    return counts


def _data_of(row: dict[str, Any], *, excludes: list[Programme]) -> ProgrammeData:
    return ProgrammeData(
        name=row["name"], owner=Organization.objects.get(code=row["owner"]), kind=row["kind"],
        strategy=row["strategy"], target=row["target"], needs=list(row["needs"]),
        eligibility=row["eligibility"], unit=row["unit"], unit_cost=Decimal(row["unit_cost"]),
        description=row["description"], excludes=excludes,
    )  # fmt: skip
