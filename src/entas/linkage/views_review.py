"""Review pages: the queue of candidate pairs, one pair with its decision, merges and runs.

Pages open to whoever may match reports (`access.can_match_report`), within their area;
deciding, merging, undoing and starting a run are for linkage reviewers
(`access.can_review_linkage`). Anything else is a 403; a pair outside the area is a 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.core.exceptions import EntasError
from entas.core.models import AuditEvent
from entas.core.services import audit_record
from entas.linkage import merging, review, selectors
from entas.linkage.choices import PairStatus
from entas.linkage.forms_review import DecisionForm, QueueFilterForm
from entas.linkage.models import CandidatePair, LinkageModel
from entas.linkage.selectors import PairSide

QUEUE_PAGE_SIZE = 50
LIST_PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _url_or_empty(name: str) -> str:
    """Tools written alongside this module may not be wired yet: no link rather than a 500."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    _require(access.can_match_report(request.user))
    context = {
        "counts": selectors.pair_counts(user=request.user),
        "runs": selectors.run_list()[:5],
        "can_review": access.can_review_linkage(request.user),
        "report_url": _url_or_empty("linkage:report"),
        "reconcile_url": _url_or_empty("imports:reconcile"),
    }
    return render(request, "linkage/index.html", context)


@require_POST
@login_required
def run_dedupe(request: SignedInRequest) -> HttpResponse:
    _require(access.can_review_linkage(request.user))
    from entas.linkage.services import run_dedupe as start  # written by the engine's owner

    try:
        run = start(actor=request.user)
    except EntasError as error:
        messages.error(request, error.message)
        return redirect("linkage:index")
    messages.success(
        request, _("Deduplikasi #%(run)s dijadwalkan; hasilnya masuk antrean.") % {"run": run.pk}
    )
    return redirect("linkage:runs")


@login_required
def queue(request: SignedInRequest) -> HttpResponse:
    _require(access.can_match_report(request.user))
    form = QueueFilterForm(request.GET, user=request.user)
    pairs = CandidatePair.objects.none()
    if form.is_valid():
        data = form.cleaned_data
        pairs = selectors.pair_queue(
            user=request.user,
            kecamatan=data["kecamatan"],
            kelurahan=data["kelurahan"],
            rule=data["rule"],
            status=data["status"],
        )
    page = Paginator(pairs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "full_nik": access.can_see_full_nik(request.user),
    }
    return render(request, "linkage/queue.html", context, status=400 if form.errors else 200)


@login_required
def pair_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_match_report(request.user))
    pair = selectors.access_pair(request.user, pk)
    audit_record(
        actor=request.user,
        action="linkage.pair_view",
        target=pair,
        summary="Membuka pasangan kandidat",
        changes={"persons": [pair.person_l_id, pair.person_r_id]},
    )
    return _render_pair(request, pair, DecisionForm(pair=pair))


def _render_pair(
    request: SignedInRequest, pair: CandidatePair, form: DecisionForm, status: int = 200
) -> HttpResponse:
    left, right = selectors.pair_sides(pair=pair)
    context = {
        "pair": pair,
        "left": left,
        "right": right,
        "explanation": explanation_rows(pair.explanation),
        "form": form,
        "open": pair.status in (PairStatus.PENDING, PairStatus.UNSURE),
        "can_review": access.can_review_linkage(request.user),
        "households_differ": _households_differ(left, right),
        "full_nik": access.can_see_full_nik(request.user),
    }
    return render(request, "linkage/pair.html", context, status=status)


def _households_differ(left: PairSide, right: PairSide) -> bool:
    if left.membership is None or right.membership is None:
        return False
    return left.membership.household_id != right.membership.household_id


def explanation_rows(explanation: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The model's explanation with a bar width (percent of the largest weight)."""
    weights = [abs(float(item.get("weight") or 0)) for item in explanation]
    largest = max(weights, default=0) or 1
    return [
        {
            **item,
            "label": item.get("label") or item.get("field", ""),
            "bar": round(weight / largest * 100),
            "agrees": float(item.get("weight") or 0) > 0,
        }
        for item, weight in zip(explanation, weights, strict=True)
    ]


@require_POST
@login_required
def pair_decide(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_review_linkage(request.user))
    pair = selectors.access_pair(request.user, pk)
    form = DecisionForm(request.POST, pair=pair)
    if not form.is_valid():
        return _render_pair(request, pair, form, status=400)
    data = form.cleaned_data
    try:
        review.pair_decide(
            actor=request.user,
            pair=pair,
            decision=data["decision"],
            note=data["note"],
            survivor_id=data["survivor"],
            merge_households_too=data["merge_households"],
        )
    except EntasError as error:
        messages.error(request, error.message)
        return redirect("linkage:pair", pk=pair.pk)
    messages.success(request, _DECIDED[data["decision"]] % {"pair": pair.pk})
    return redirect("linkage:queue")


_DECIDED = {
    PairStatus.ACCEPTED: gettext_lazy(
        "Pasangan #%(pair)s digabung. Penggabungan dapat dibatalkan."
    ),
    PairStatus.REJECTED: gettext_lazy("Pasangan #%(pair)s dicatat sebagai dua orang berbeda."),
    PairStatus.UNSURE: gettext_lazy("Pasangan #%(pair)s ditandai ragu-ragu dan tetap di antrean."),
}


@login_required
def merges(request: SignedInRequest) -> HttpResponse:
    _require(access.can_match_report(request.user))
    page = Paginator(selectors.merge_list(user=request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "can_review": access.can_review_linkage(request.user)}
    return render(request, "linkage/merges.html", context)


@require_POST
@login_required
def merge_undo(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_review_linkage(request.user))
    merge = selectors.access_merge(request.user, pk)
    try:
        merging.merge_undo(actor=request.user, merge=merge)
    except EntasError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Penggabungan #%(merge)s dibatalkan; pasangannya kembali ke antrean.")
            % {"merge": merge.pk},
        )
    return redirect("linkage:merges")


@login_required
def runs(request: SignedInRequest) -> HttpResponse:
    _require(access.can_match_report(request.user))
    page = Paginator(selectors.run_list(), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_review": access.can_review_linkage(request.user)}
    return render(request, "linkage/runs.html", context)


@login_required
def models(request: SignedInRequest) -> HttpResponse:
    """The trained model versions, the one in use, and (for reviewers) train or switch."""
    _require(access.can_match_report(request.user))
    context = {
        "models": LinkageModel.objects.select_related("created_by")[:50],
        "can_review": access.can_review_linkage(request.user),
        "last_failure": AuditEvent.objects.filter(action="linkage.model_train_failed").first(),
    }
    return render(request, "linkage/models.html", context)


@login_required
@require_POST
def model_train(request: SignedInRequest) -> HttpResponse:
    _require(access.can_review_linkage(request.user))
    from entas.linkage.services import model_train_start

    model_train_start(actor=request.user)
    messages.success(
        request,
        _(
            "Pelatihan model dijadwalkan. Versi baru muncul di sini setelah selesai, "
            "lalu langsung dipakai."
        ),
    )
    return redirect("linkage:models")


@login_required
@require_POST
def model_activate(request: SignedInRequest, pk: int) -> HttpResponse:
    _require(access.can_review_linkage(request.user))
    from entas.linkage.services import model_activate as activate

    model = get_object_or_404(LinkageModel, pk=pk)
    activate(actor=request.user, model=model)
    messages.success(
        request, _("Model v%(version)s sekarang dipakai.") % {"version": model.version}
    )
    return redirect("linkage:models")
