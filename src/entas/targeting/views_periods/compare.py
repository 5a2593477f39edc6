"""Comparing two classified periods: who entered, came back, left and stayed, per area.

Aggregates only. A field officer's comparison holds only the kelurahan of their areas,
with the kecamatan rows and the total added up again from those.
"""

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from entas.accounts import access
from entas.accounts.access import SignedInRequest
from entas.accounts.models import User
from entas.core.http import is_htmx_fragment
from entas.targeting import choices as c
from entas.targeting import selectors
from entas.targeting.forms_periods import CompareForm
from entas.targeting.selectors import ABSENT, AreaMoves, Comparison
from entas.targeting.views_periods.common import (
    Areas,
    areas_of,
    in_areas,
    require,
)


def comparison_scoped(comparison: Comparison, areas: Areas) -> Comparison:
    """The comparison limited to the kelurahan of `areas`, kecamatan and total re-added."""
    if areas is None:
        return comparison
    names = {moves.code: moves.name for moves in comparison.kecamatan}
    kelurahan = [moves for moves in comparison.kelurahan if in_areas(areas, moves.code)]
    kecamatan: dict[str, AreaMoves] = {}
    total = AreaMoves(code="", name=_("Wilayah tugas Anda"))
    for moves in kelurahan:
        code = moves.code[:8]
        kecamatan.setdefault(code, AreaMoves(code=code, name=names.get(code, code))).add(moves)
        total.add(moves)
    parents = [kecamatan[code] for code in sorted(kecamatan)]
    return dataclasses.replace(comparison, kelurahan=kelurahan, kecamatan=parents, total=total)


def comparison_for(user: User, form: CompareForm) -> Comparison | None:
    """The comparison the form asks for, within what `user` may count; None if invalid."""
    if not form.is_valid():
        return None
    first, second = form.periods()
    return comparison_scoped(selectors.period_compare(first=first, second=second), areas_of(user))


def reason_label(reason: str) -> str:
    if reason == ABSENT:
        return _("Tidak tercatat di periode B")
    return str(c.Status(reason).label) if reason in c.Status.values else reason


def reason_codes(comparison: Comparison) -> list[str]:
    """The reasons a family can leave: B's statuses outside the compared ones, or absent."""
    return [s for s in c.Status.values if s not in comparison.statuses] + [ABSENT]


def _with_reasons(rows: Iterable[AreaMoves]) -> list[tuple[AreaMoves, str]]:
    """Each row with its reasons for leaving in words, in the statuses' order."""
    order = {code: index for index, code in enumerate([*c.Status.values, ABSENT])}

    def reasons(moves: AreaMoves) -> str:
        found = sorted(moves.left_reasons.items(), key=lambda item: order.get(item[0], 99))
        return ", ".join(f"{reason_label(reason)} {count}" for reason, count in found)

    return [(moves, reasons(moves)) for moves in rows]


@login_required
def compare(request: SignedInRequest) -> HttpResponse:
    require(access.can_view_targeting(request.user))
    form = CompareForm(request.GET or None)
    comparison = comparison_for(request.user, form)
    context: dict[str, Any] = {"form": form, "comparison": comparison}
    if comparison is not None:
        context |= {
            "statuses": ", ".join(str(c.Status(s).label) for s in comparison.statuses),
            "total": _with_reasons([comparison.total])[0],
            "kecamatan": _with_reasons(comparison.kecamatan),
            "kelurahan": _with_reasons(comparison.kelurahan),
            "city_wide": areas_of(request.user) is None,
            "query": f"a={comparison.first.code}&b={comparison.second.code}",
        }
    fragment = is_htmx_fragment(request)
    template = "targeting/_p_compare.html" if fragment else "targeting/compare.html"
    # htmx swaps only 2xx answers: the fragment carries its errors with a 200.
    status = 400 if form.errors and not fragment else 200
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
