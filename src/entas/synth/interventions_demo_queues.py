"""An organisation's officer working its referral queue in the interventions demo, through
`services.referrals` as the queue page would: accept or decline each new referral,
schedule, record deliveries (a few in part) and outcomes.

Dates: the services refuse a schedule or a delivery before the day a referral was
proposed, and a delivery in the future. The demo proposes today, so on a past period it
delivers today and schedules from today on.
"""

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from entas.accounts.models import User
from entas.interventions import choices as ic
from entas.interventions.models import Referral
from entas.interventions.selectors_referrals import referral_queue
from entas.interventions.services.referrals import (
    delivery_record,
    referral_accept,
    referral_decline,
    referral_outcome,
    referral_schedule,
)

DECLINE_REASONS = (
    "Sudah menerima program serupa dari APBN",
    "Rumah bukan milik sendiri",
    "Tidak dapat dihubungi",
    "Keluarga menolak bantuan",
)
OUTCOME_WEIGHTS = {
    ic.Outcome.HELPED: 60, ic.Outcome.PARTLY: 20, ic.Outcome.NO_CHANGE: 12,
    ic.Outcome.NOT_USED: 8,
}  # fmt: skip
OUTCOME_NOTES = {
    ic.Outcome.HELPED: "Bantuan sudah dipakai; kebutuhan terpenuhi.",
    ic.Outcome.PARTLY: "Bantuan diterima, keluarga masih perlu pendampingan.",
    ic.Outcome.NO_CHANGE: "Belum terlihat perubahan; dipantau lagi bulan depan.",
    ic.Outcome.NOT_USED: "Bantuan belum dimanfaatkan keluarga.",
}
SCHEDULE_DAYS_AHEAD = 21


@dataclass(frozen=True)
class Shares:
    """How an officer decides: shares of new referrals accepted and declined (the rest
    wait); of the accepted, shares scheduled and delivered; of full deliveries, the share
    closed with an outcome; of deliveries, the share handed over in part."""

    accepted: float
    declined: float
    scheduled: float = 0.85
    delivered: float = 0.7
    closed: float = 0.5
    partial: float = 0.1


OPD_SHARES = Shares(accepted=0.85, declined=0.08)
CSR_SHARES = Shares(accepted=1.0, declined=0.0, delivered=0.5)  # took the list as it came


@dataclass
class QueueWork:
    """What every queue of one demo run shares: the day and the random draws."""

    today: dt.date
    rng: random.Random
    receipts: int = 0  # BAST numbers given so far

    def receipt(self) -> str:
        self.receipts += 1
        return f"BAST/{self.today.year}/{self.receipts:04d}"


def queue_work(*, officer: User, shares: Shares, work: QueueWork) -> None:
    """Work the new referrals of the officer's organisation, oldest first. The first is
    always accepted and delivered, so every organisation shows one delivery."""
    for index, referral in enumerate(list(referral_queue(user=officer, tab="baru"))):
        draw = work.rng.random()
        if index == 0 or draw < shares.accepted:
            accepted = referral_accept(actor=officer, referral=referral)
            _follow_up(officer, accepted, shares, work, served=index == 0)
        elif draw < shares.accepted + shares.declined:
            reason = work.rng.choice(DECLINE_REASONS)
            referral_decline(actor=officer, referral=referral, reason=reason)


def _follow_up(
    officer: User, referral: Referral, shares: Shares, work: QueueWork, *, served: bool
) -> None:
    """Schedule, deliver and close an accepted referral, each with its share."""
    rng = work.rng
    delivered = served or rng.random() < shares.delivered
    if rng.random() < shares.scheduled:
        ahead = 0 if delivered else rng.randint(1, SCHEDULE_DAYS_AHEAD)
        scheduled_on = work.today + dt.timedelta(days=ahead)
        referral = referral_schedule(actor=officer, referral=referral, scheduled_on=scheduled_on)
    if not delivered:
        return
    partial = not served and referral.amount > 0 and rng.random() < shares.partial
    _deliver(officer, referral, work, partial=partial)
    if not partial and rng.random() < shares.closed:
        outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
        note = OUTCOME_NOTES[outcome] if rng.random() < 0.5 else ""
        referral_outcome(actor=officer, referral=referral, outcome=outcome, note=note)


def _deliver(officer: User, referral: Referral, work: QueueWork, *, partial: bool) -> None:
    """The whole planned help, or a first tranche of half its value (no unit complete)."""
    if partial:
        quantity, amount = 0, (referral.amount / 2).quantize(Decimal(1))
        evidence = f"{work.receipt()} (tahap 1)"
    else:
        quantity, amount, evidence = referral.quantity, referral.amount, work.receipt()
    delivery_record(
        actor=officer, referral=referral, delivered_on=work.today, quantity=quantity,
        amount=amount, evidence=evidence,
    )  # fmt: skip
