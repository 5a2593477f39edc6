"""The rules a referral change must meet, each a check that raises `ReferralError` with a
message the user can act on, and writes nothing.

`services.referrals` runs them in its lifecycle functions (and re-exports `ReferralError`,
so callers import it from there); `services.proposals` runs the whole proposal through
`referral_propose`, so a bulk proposal meets exactly the same rules.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.core.exceptions import EntasError
from entas.interventions import choices as c
from entas.interventions.models import Programme, ProgrammeAllocation, Recommendation, Referral
from entas.interventions.selectors_referrals import Usage, programme_usage
from entas.registry.models import Household, Membership, Person
from entas.targeting.models import Period
from entas.verval import choices as vc
from entas.verval.models import Need, PlanGoal

NOTE_MAX = 2000
EVIDENCE_MAX = 200


class ReferralError(EntasError):
    """A referral change that cannot be made; nothing was written. The message says why."""


def rupiah(value: Decimal) -> str:
    """Rp 1.500.000: rupiah as Indonesians write it (no cents)."""
    return "Rp " + f"{int(value):,}".replace(",", ".")


# --- who and what --------------------------------------------------------------------


def require_admin(actor: Any) -> None:
    if not access.can_manage_interventions(actor):
        raise ReferralError(
            _("Hanya petugas Dinas Sosial yang dapat mengusulkan atau membatalkan rujukan."),
            code="forbidden",
        )


def require_handler(actor: Any, referral: Referral) -> None:
    if not access.can_handle_referral(actor, referral.organization_id):
        raise ReferralError(_("Rujukan ini bukan untuk organisasi Anda."), code="forbidden")


def check_active(programme: Programme) -> None:
    if not programme.is_active:
        raise ReferralError(
            _("Program %(programme)s tidak aktif.") % {"programme": programme.name},
            code="inactive",
            field="programme",
        )


def check_note(note: str) -> None:
    if len(note) > NOTE_MAX:
        raise ReferralError(_("Catatan terlalu panjang."), field="note")


def checked_reason(reason: str, what: str) -> str:
    """The reason for a decline or cancellation, trimmed; it must be written."""
    reason = reason.strip()
    if not reason:
        raise ReferralError(_("Tulis alasan %(what)s.") % {"what": what}, field="reason")
    if len(reason) > NOTE_MAX:
        raise ReferralError(_("Alasan terlalu panjang."), field="reason")
    return reason


# --- proposal ------------------------------------------------------------------------


def check_person(programme: Programme, household: Household, person: Person | None) -> None:
    if programme.target == c.Target.PERSON and person is None:
        raise ReferralError(
            _("Program %(programme)s untuk perorangan: pilih anggota keluarga.")
            % {"programme": programme.name},
            field="person",
        )
    if programme.target == c.Target.HOUSEHOLD and person is not None:
        raise ReferralError(
            _("Program %(programme)s untuk keluarga: jangan pilih anggota.")
            % {"programme": programme.name},
            field="person",
        )
    current = Membership.objects.filter(household=household, end_date__isnull=True)
    if person is not None and not current.filter(person=person).exists():
        raise ReferralError(
            _("%(name)s bukan anggota keluarga ini saat ini.") % {"name": person.full_name},
            field="person",
        )


def check_need_and_goal(household: Household, need: Need | None, goal: PlanGoal | None) -> None:
    if need is not None and need.household_id != household.pk:
        raise ReferralError(_("Kebutuhan itu bukan milik keluarga ini."), field="need")
    if need is not None and need.status != vc.NeedStatus.OPEN:
        raise ReferralError(
            _("Kebutuhan itu sudah tidak terbuka (%(status)s).")
            % {"status": need.get_status_display()},
            field="need",
        )
    if goal is not None and goal.plan.household_id != household.pk:
        raise ReferralError(_("Tujuan rencana itu bukan milik keluarga ini."), field="goal")


def check_need_answered(programme: Programme, need: Need | None) -> None:
    """A referral that names a need must be to a programme that answers that kind of need
    (when the programme lists any), or coverage would count the need as met by help that
    does not meet it."""
    if need is None or not programme.needs or programme.answers(need.kind):
        return
    raise ReferralError(
        _("Program %(programme)s tidak menjawab kebutuhan “%(need)s”.")
        % {"programme": programme.name, "need": need.get_kind_display()},
        field="need",
    )


def check_recommendation(
    recommendation: Recommendation, period: Period, programme: Programme, household: Household
) -> None:
    """`recommendation` as it is now in the database (read locked by the caller)."""
    same = (
        recommendation.period_id == period.pk
        and recommendation.programme_id == programme.pk
        and recommendation.household_id == household.pk
    )
    if not same:
        raise ReferralError(_("Rekomendasi itu untuk keluarga atau program lain."))
    if recommendation.status != c.RecommendationStatus.OPEN:
        raise ReferralError(
            _("Rekomendasi itu sudah %(status)s.")
            % {"status": recommendation.get_status_display().lower()}
        )


def live_for(
    period: Period, household: Household, person: Person | None, target: str
) -> QuerySet[Referral]:
    """Live referrals of the family in the period that concern the same beneficiary: for a
    person-targeted programme, that member's and the whole family's."""
    live = Referral.objects.filter(period=period, household=household, status__in=c.LIVE)
    if target == c.Target.PERSON:
        live = live.filter(Q(person=person) | Q(person__isnull=True))
    return live


def check_not_referred(
    period: Period, programme: Programme, household: Household, person: Person | None
) -> None:
    live = Referral.objects.filter(
        period=period, programme=programme, household=household, person=person, status__in=c.LIVE
    )
    if live.exists():
        raise ReferralError(
            _("Keluarga ini sudah dirujuk ke %(programme)s pada periode ini.")
            % {"programme": programme.name},
            code="duplicate",
            field="programme",
        )


def check_exclusions(
    period: Period, programme: Programme, household: Household, person: Person | None
) -> None:
    excluded = programme.excludes.values("pk")
    clash = (
        live_for(period, household, person, programme.target)
        .filter(programme__in=excluded)
        .select_related("programme")
        .first()
    )
    if clash is not None:
        raise ReferralError(
            _(
                "Keluarga ini sudah diusulkan/menerima %(other)s, yang tidak boleh bersamaan "
                "dengan %(programme)s."
            )
            % {"other": clash.programme.name, "programme": programme.name},
            code="excluded",
            field="programme",
        )


def check_amounts(quantity: int, amount: Decimal | None) -> None:
    if quantity < 1:
        raise ReferralError(_("Jumlah paling sedikit 1."), field="quantity")
    if amount is not None and amount < 0:
        raise ReferralError(_("Nilai tidak boleh negatif."), field="amount")


# --- quota, budget and delivery --------------------------------------------------------


def check_allocation(referral: Referral, *, quantity: int, amount: Decimal) -> None:
    """`quantity` and `amount` are what this referral would hold; the others' committed use
    is counted with the allocation row locked, so two acceptances cannot both take the
    last place."""
    allocation = (
        ProgrammeAllocation.objects.select_for_update()
        .filter(programme_id=referral.programme_id, period_id=referral.period_id)
        .first()
    )
    if allocation is None:
        return
    used: Usage = programme_usage(
        programme_id=referral.programme_id, period_id=referral.period_id, excluding=referral.pk
    )
    programme = referral.programme
    if allocation.quota is not None and used.quantity + quantity > allocation.quota:
        raise ReferralError(
            _(
                "Kuota %(programme)s periode ini %(quota)s %(unit)s; sudah terpakai %(used)s. "
                "Rujukan ini memerlukan %(quantity)s."
            )
            % {
                "programme": programme.name,
                "quota": allocation.quota,
                "unit": programme.unit,
                "used": used.quantity,
                "quantity": quantity,
            },  # fmt: skip
            code="quota",
        )
    if allocation.budget is not None and used.amount + amount > allocation.budget:
        raise ReferralError(
            _(
                "Anggaran %(programme)s periode ini %(budget)s; sudah terpakai %(used)s. "
                "Rujukan ini memerlukan %(amount)s."
            )
            % {
                "programme": programme.name,
                "budget": rupiah(allocation.budget),
                "used": rupiah(used.amount),
                "amount": rupiah(amount),
            },  # fmt: skip
            code="budget",
        )


def check_delivery(
    referral: Referral, delivered_on: dt.date, quantity: int, amount: Decimal | None, evidence: str
) -> None:
    if delivered_on > timezone.localdate():
        raise ReferralError(
            _("Tanggal penyaluran tidak boleh di masa depan."), field="delivered_on"
        )
    proposed = timezone.localdate(referral.created_at)
    if delivered_on < proposed:
        raise ReferralError(
            _("Tanggal penyaluran tidak boleh sebelum tanggal usulan (%(date)s).")
            % {"date": proposed.strftime("%d-%m-%Y")},
            field="delivered_on",
        )
    if quantity < 0 or (amount is not None and amount < 0):
        raise ReferralError(_("Jumlah dan nilai tidak boleh negatif."), field="quantity")
    if quantity == 0 and not amount:
        raise ReferralError(_("Isi jumlah atau nilai yang disalurkan."), field="quantity")
    if not evidence.strip():
        raise ReferralError(
            _("Catat bukti penyaluran (nomor tanda terima atau rujukan foto)."), field="evidence"
        )
    if len(evidence) > EVIDENCE_MAX:
        raise ReferralError(_("Bukti terlalu panjang (paling banyak 200 huruf)."), field="evidence")
