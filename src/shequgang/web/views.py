from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shequgang.people.roles import Perm
from shequgang.people.scope import active_assignments, has_perm_anywhere, scope_roots
from shequgang.people.selectors import resident_search
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_counts_by_kind


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `make run` checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@dataclass(frozen=True)
class ScopeRoot:
    """A top node of the user's part of the tree, with what lies below it."""

    place: Place
    counts: list[tuple[str, int]]  # (kind label, number), in tree order


def _counts_in_tree_order(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(kind.label, counts[kind.value]) for kind in Kind if counts.get(kind.value)]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The staff home: the user's roles, the top of their part of the tree with counts
    per kind below each top node, and the number of residents they may see."""
    user = request.user
    roots = [
        ScopeRoot(place=p, counts=_counts_in_tree_order(place_counts_by_kind(place=p)))
        for p in scope_roots(user)
    ]
    resident_count = (
        resident_search(user=user).count() if has_perm_anywhere(user, Perm.RESIDENT_VIEW) else None
    )
    return render(
        request,
        "web/home.html",
        {
            "assignments": active_assignments(user),
            "roots": roots,
            "resident_count": resident_count,
        },
    )
