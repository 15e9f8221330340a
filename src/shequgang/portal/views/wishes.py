"""微心愿 for the resident: post a wish, see my wishes, confirm a fulfilled one with
thanks. Writes through ``needs.wishes``; the wishes are the resident's own
(``needs.supply_access.access_own_wish``: the same 404 for anyone else's)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequgang.errors import DomainError, NotFound
from shequgang.needs.models import DemandType
from shequgang.needs.supply_access import access_own_wish, own_wishes
from shequgang.needs.wish_models import WishStatus
from shequgang.needs.wishes import wish_confirm, wish_post
from shequgang.portal.access import resident_page
from shequgang.portal.residents import Home
from shequgang.text_rules import RuleTextField
from shequgang.web.request_user import request_user

LIMIT = 50


class WishForm(forms.Form):
    type = forms.ChoiceField(label="心愿类别", choices=DemandType.choices)
    text = RuleTextField(
        label="心愿内容",
        limit=300,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：孩子想要一个新书包"}),
    )


class ThanksForm(forms.Form):
    thanks = RuleTextField(label="感谢的话", required=False, limit=200)


def _page(request: HttpRequest, home: Home, form: WishForm, status: int = 200) -> HttpResponse:
    wishes = own_wishes(request_user(request)).order_by("-posted_at", "-id")[:LIMIT]
    return render(
        request,
        "portal/wishes.html",
        {
            "home": home,
            "tab": "services",
            "form": form,
            "wishes": list(wishes),
            "fulfilled": WishStatus.FULFILLED,
            "thanks_form": ThanksForm(),
        },
        status=status,
    )


@never_cache
@resident_page
def wishes(request: HttpRequest, home: Home) -> HttpResponse:
    """GET: my wishes and the form; POST: post a wish (reviewed before it is published)."""
    if request.method != "POST":
        return _page(request, home, WishForm())
    form = WishForm(request.POST)
    if form.is_valid():
        try:
            wish_post(
                actor=request_user(request),
                type=form.cleaned_data["type"],
                text=form.cleaned_data["text"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "心愿已提交，社区审核后发布（不会公开您的姓名和住址）")
            return redirect("portal:wishes")
    return _page(request, home, form, status=400)


@require_POST
@resident_page
def confirm(request: HttpRequest, home: Home, wish_id: int) -> HttpResponse:
    """The wish came true: confirm it and thank the one who fulfilled it."""
    user = request_user(request)
    try:
        wish = access_own_wish(user, wish_id)
    except NotFound:
        raise Http404("心愿不存在") from None
    form = ThanksForm(request.POST)
    if form.is_valid():
        try:
            wish_confirm(actor=user, wish=wish, thanks=form.cleaned_data["thanks"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已确认，感谢已送达")
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("portal:wishes")
