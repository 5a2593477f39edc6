"""Bulk proposal from the recommendations page: a Dinsos admin proposes a programme's open
recommendations (optionally of one kelurahan) as referrals in one go.

Only Dinsos admins (`access.can_manage_interventions`); anyone else gets 403. The form is
parsed by `ProposalForm`, the run is `services.proposals.recommendations_propose`; a bad
form or a refused run is answered with a message on the recommendations page and writes
nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.interventions.forms_proposals import ProposalForm
from entas.interventions.models import Programme
from entas.interventions.services.proposals import ProposalResult, recommendations_propose
from entas.interventions.services.referrals import ReferralError


@login_required
@require_POST
def recommendations_propose_view(request: SignedInRequest) -> HttpResponse:
    if not access.can_manage_interventions(request.user):
        raise PermissionDenied
    form = ProposalForm(request.POST)
    back = _back(request.POST.get("period", ""), request.POST.get("kelurahan", ""))
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(back)
    values = form.cleaned_data
    kelurahan = values["kelurahan"]
    try:
        result = recommendations_propose(
            actor=request.user, period=values["period"], programme=values["programme"],
            kelurahan_code=kelurahan.code if kelurahan else "", limit=values["number"],
        )  # fmt: skip
    except ReferralError as error:
        messages.error(request, error.message)
        return redirect(back)
    level = messages.SUCCESS if result.proposed else messages.WARNING
    messages.add_message(request, level, proposal_message(result, values["programme"]))
    return redirect(back)


def _back(period_code: str, kelurahan_code: str) -> str:
    query = {"periode": period_code, "kelurahan": kelurahan_code}
    return f"{reverse('interventions:recommendations')}?{urlencode(query)}"


def proposal_message(result: ProposalResult, programme: Programme) -> str:
    """E.g. "120 rujukan diusulkan ke PKH Plus; 3 tidak dapat diusulkan: … (2), … (1);
    kuota penuh, 40 rekomendasi tetap terbuka."."""
    parts = [
        _("%(count)d rujukan diusulkan ke %(programme)s")
        % {"count": result.proposed, "programme": programme.name}
    ]
    left = {"count": result.left_open}
    if result.refused:
        reasons = ", ".join(
            f"{message.rstrip('.')} ({count})" for message, count in result.refused.most_common()
        )
        parts.append(
            _("%(count)d tidak dapat diusulkan: %(reasons)s")
            % {"count": result.refused.total(), "reasons": reasons}
        )
    if result.short_of == "quota":
        parts.append(_("kuota penuh, %(count)d rekomendasi tetap terbuka") % left)
    elif result.short_of == "budget":
        parts.append(_("anggaran habis, %(count)d rekomendasi tetap terbuka") % left)
    elif result.left_open:
        parts.append(_("batas jumlah tercapai, %(count)d rekomendasi lain tetap terbuka") % left)
    return "; ".join(parts) + "."
