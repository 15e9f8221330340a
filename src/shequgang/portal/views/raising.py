"""反映问题 in one screen: the place defaults to the household, the category is
suggested from the words as they are typed (one tap accepts a chip), photos optional,
likely duplicates shown before submitting. The case is raised by ``case_create``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from shequgang import reference_cache
from shequgang.cases import services
from shequgang.cases.models import Category, Source
from shequgang.cases.suggest.model import suggest_categories
from shequgang.errors import DomainError
from shequgang.portal.access import resident_page
from shequgang.portal.forms import RaiseForm, title_from
from shequgang.portal.residents import Home
from shequgang.web.request_user import request_user

# Which field a refusal of ``case_create`` belongs to; others go on top.
_ERROR_FIELD = {
    "description_too_long": "description",
    "description_unstorable": "description",
    "title_required": "description",
    "invalid_category": "category",
    "invalid_photo": "photos",
    "too_many_photos": "photos",
}


def _groups() -> list[tuple[str, list[Category]]]:
    """Every active leaf under its 大类, for "都不是？" below the chips."""
    groups: dict[int, tuple[str, list[Category]]] = {}
    leaves = Category.objects.filter(active=True, parent__active=True).select_related("parent")
    for c in leaves.order_by("parent__sort", "parent_id", "sort", "id"):
        assert c.parent is not None
        groups.setdefault(c.parent.pk, (c.parent.name, []))[1].append(c)
    return list(groups.values())


def _chips(text: str, chosen: int | None) -> dict[str, object]:
    generation = reference_cache.read_generation()
    return {"suggestions": suggest_categories(text, generation=generation), "chosen": chosen}


@never_cache
@require_http_methods(["GET", "POST"])
@resident_page
def raise_problem(request: HttpRequest, home: Home) -> HttpResponse:
    if not home.confirmed:
        return render(request, "portal/pending.html", {"home": home, "tab": "services"})
    places = home.raise_places()
    form = RaiseForm(request.POST or None, request.FILES or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                actor=request_user(request),
                source=Source.RESIDENT,
                category=data["category"],
                place=data["place"],
                title=title_from(data["description"]),
                description=data["description"],
                photos=data["photos"],
            )
        except DomainError as exc:
            form.add_error(_ERROR_FIELD.get(exc.code), exc.message)
        else:
            messages.success(request, f"已提交，事项编号 {case.number}，办理进展会通知您")
            return redirect("portal:item", case.pk)
    chosen = form.data.get("category") if form.is_bound else None
    return render(
        request,
        "portal/raise.html",
        {
            "home": home,
            "tab": "services",
            "form": form,
            "place_default": places[0].pk if places else None,
            "groups": _groups(),
            **_chips(form.data.get("description", "") if form.is_bound else "", _int(chosen)),
        },
        status=400 if form.errors else 200,
    )


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


@never_cache
@require_GET
@resident_page
def category_chips(request: HttpRequest, home: Home) -> HttpResponse:
    """The three suggested categories for the words typed so far (htmx partial)."""
    text = request.GET.get("description", "")[:4000]
    return render(request, "portal/_chips.html", _chips(text, _int(request.GET.get("category"))))
