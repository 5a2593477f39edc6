"""Report matching: is the person a citizen reported already in the registry?

Sign-in → role check (403 for roles that may not match reports) → form → the model's
candidates, loaded again through the registry's scoped selectors (a field officer never
sees a person outside their area, whatever the model returns) → audit → page. The form is
posted, not sent in the address: names and NIKs do not belong in server logs.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from entas.accounts import access
from entas.accounts.models import User
from entas.core.services import audit_record
from entas.linkage.choices import PairRule
from entas.linkage.forms_tools import ReportForm
from entas.linkage.services import RecordMatch, match_record
from entas.registry.models import Membership, Person
from entas.registry.selectors import household_scope, person_scope, searchable_kelurahan

CANDIDATE_LIMIT = 10
AGREEMENT_LABELS = {
    "agree": _("sama"),
    "differ": _("berbeda"),
    "unknown": _("tidak dapat dibandingkan"),
}


@dataclass(frozen=True)
class Candidate:
    """A registry person the report may be about, as the result list shows them."""

    person: Person
    membership: Membership | None  # current, else the latest, within the user's scope
    match: RecordMatch
    agreements: list[dict[str, Any]]  # {"label", "state", "state_label"} per compared field

    @property
    def percent(self) -> float:
        return self.match.match_probability * 100

    @property
    def rule_label(self) -> str:
        labels = dict(PairRule.choices)
        return str(labels.get(self.match.rule, self.match.rule))


@login_required
def report_match(request: access.SignedInRequest) -> HttpResponse:
    if not access.can_match_report(request.user):
        raise PermissionDenied
    form = ReportForm(request.POST or None, user=request.user)
    candidates: list[Candidate] | None = None
    if request.method == "POST" and form.is_valid():
        values = form.match_values()
        candidates = report_candidates(user=request.user, values=values)
        _record_lookup(request.user, values, candidates)
    context = {
        "form": form,
        "candidates": candidates,
        "reported_age": form.reported_age if candidates is not None else None,
        "full_nik": access.can_see_full_nik(request.user),
    }
    return render(request, "linkage/report.html", context, status=400 if form.errors else 200)


def report_candidates(*, user: User, values: dict[str, Any]) -> list[Candidate]:
    """The model's candidates for a report that this user may see, best first."""
    kelurahan_codes = _kelurahan_scope(user)
    if kelurahan_codes == []:  # an officer without an assigned area sees nobody
        return []
    matches = match_record(values, limit=CANDIDATE_LIMIT, kelurahan_codes=kelurahan_codes)
    ids = [match.person_id for match in matches]
    persons = person_scope(user).in_bulk(ids)
    memberships = _memberships(user, list(persons))
    return [
        Candidate(
            person=persons[match.person_id],
            membership=memberships.get(match.person_id),
            match=match,
            agreements=[_agreement(item) for item in match.explanation],
        )
        for match in matches
        if match.person_id in persons
    ]


def _kelurahan_scope(user: User) -> list[str] | None:
    """None for the whole city (admins); else the kelurahan codes of the user's areas."""
    if access.role_of(user) in access.CITY_WIDE_ROLES:
        return None
    return list(searchable_kelurahan(user).values_list("code", flat=True))


def _memberships(user: User, person_ids: list[int]) -> dict[int, Membership]:
    rows = Membership.objects.filter(
        person_id__in=person_ids, household__in=household_scope(user)
    ).select_related("household__kelurahan__parent")
    shown: dict[int, Membership] = {}
    # The current membership wins, else the one that started last.
    for membership in sorted(rows, key=lambda m: (m.end_date is None, m.start_date, m.pk)):
        shown[membership.person_id] = membership
    return shown


def _agreement(item: dict[str, Any]) -> dict[str, Any]:
    """One compared field as agreeing, differing or unknown, from the sign of its weight.

    The compared values are not shown: they may hold a NIK the user may not see in full.
    """
    weight = item.get("weight") or 0
    state = "agree" if weight > 0 else "differ" if weight < 0 else "unknown"
    return {
        "label": item.get("label") or item.get("field", ""),
        "state": state,
        "state_label": AGREEMENT_LABELS[state],
    }


def _record_lookup(user: User, values: dict[str, Any], candidates: list[Candidate]) -> None:
    audit_record(
        actor=user,
        action="linkage.report_match",
        summary=f"Pencocokan laporan warga: {len(candidates)} kandidat ditampilkan",
        changes={
            "fields": sorted(values),
            "kelurahan": values.get("kelurahan_code", ""),
            "result_ids": [candidate.person.pk for candidate in candidates],
        },
    )
