"""Case pages: the resident's phone pages (raise a case, my cases, a case's progress and
its rating) and the handlers' pages (work queue, scoped list, case detail with the
actions they may take, inbox). Views parse, call one service or selector, and render; a
case outside the user's scope is the same 404 as a missing one (``access_case``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequgang.cases import services
from shequgang.cases.access import access_case, access_case_by_number, may_see_raiser, scoped_cases
from shequgang.cases.deliberation.access import convenable_rungs
from shequgang.cases.dispatch import services as dispatch
from shequgang.cases.engine.deadlines import case_lateness
from shequgang.cases.engine.workflow import ACTION_LABELS
from shequgang.cases.models import (
    Case,
    Rung,
    Source,
)
from shequgang.cases.queries.selectors import (
    allowed_actions,
    case_timeline,
)
from shequgang.cases.services.followers import followed_cases
from shequgang.cases.web.common import case_or_404
from shequgang.cases.web.forms import (
    ACTION_FORMS,
    ActionForm,
    CaseRaiseForm,
    TransferForm,
)
from shequgang.errors import DomainError, NotFound
from shequgang.people.roles import Perm
from shequgang.people.scope import has_perm_anywhere
from shequgang.web.htmx import HtmxRequest, render_page_or_partial, wants_partial
from shequgang.web.request_user import request_user

_LABELS = {**ACTION_LABELS, "rate": "评价", "decide_extension": "审批延期", "verify": "现场核查"}
# Actions whose forms carry photos.
_MULTIPART = ("resolve", "report", "verify")

# Which form field a service error belongs to on the raise form; others go on top.
_RAISE_ERROR_FIELD = {
    "title_required": "title",
    "title_too_long": "title",
    "title_unstorable": "title",
    "description_too_long": "description",
    "description_unstorable": "description",
    "invalid_category": "category",
    "invalid_photo": "photos",
    "photo_too_large": "photos",
    "too_many_photos": "photos",
    "invalid_phone": "phone",
}


# --- Raising a case --------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HtmxRequest) -> HttpResponse:
    """反映问题: the phone form. Photos come as multipart; the place from the picker."""
    user = request_user(request)
    if request.method == "POST":
        form = CaseRaiseForm(
            request.POST, request.FILES, places=request.POST.getlist("place"), user=user
        )
        if form.is_valid():
            data = form.cleaned_data
            assert form.picked is not None
            try:
                case = services.case_create(
                    actor=user,
                    source=Source.RESIDENT,
                    category=data["category"],
                    place=form.picked,
                    title=data["title"],
                    description=data["description"],
                    raiser_phone=data["phone"],
                    anonymous=data["anonymous"],
                    photos=data["photos"],
                )
            except DomainError as exc:
                form.add_error(_RAISE_ERROR_FIELD.get(exc.code), exc.message)
            else:
                messages.success(request, f"已提交，事项编号 {case.number}")
                return redirect("cases:case_detail", case.pk)
    else:
        form = CaseRaiseForm(
            initial={k: request.GET.get(k) for k in ("category", "title", "description", "place")},
            user=user,
        )
    return render(
        request, "cases/case_new.html", {"form": form}, status=400 if form.errors else 200
    )


# --- One case --------------------------------------------------------------------------------


def _detail_context(
    user: User,
    case: Case,
    *,
    error: DomainError | None = None,
    notice: str = "",
    bound: ActionForm | None = None,
    bound_action: str = "",
) -> dict[str, Any]:
    allowed = allowed_actions(user, case)
    # The raiser sees the progress; handlers and supervisors also see notes and who acted.
    internal = case.raiser_id != user.pk or has_perm_anywhere(user, Perm.CASE_VIEW)
    forms = {
        action: (
            bound
            if action == bound_action and bound is not None
            else ACTION_FORMS[action](case=case, auto_id=f"id_{action}_%s")
        )
        for action in allowed
    }
    photos = list(case.photos.order_by("id"))
    now = timezone.now()
    at_department = case.rung == Rung.DEPARTMENT

    def label(action: str) -> str:
        return "退单" if action == "return" and at_department else _LABELS[action]

    late = case_lateness(case, now)
    return {
        "case": case,
        "timeline": case_timeline(user, case),
        "internal": internal,
        "actions": [(a, label(a), forms[a]) for a in allowed],
        "multipart": _MULTIPART,
        "verification_photos": [p for p in photos if p.purpose == "verification"],
        "verify_overdue": late.verify,
        "error": error,
        "notice": notice,
        "show_raiser": may_see_raiser(user, case),
        "report_photos": [p for p in photos if p.purpose == "report"],
        "resolution_photos": [p for p in photos if p.purpose == "resolution"],
        "overdue": late.resolve,
        "ack_overdue": late.ack,
        "now": now,
        # 召集议事 (the planning page, cases/deliberation/views.deliberation_new) for those
        # who may convene on this open case at some rung.
        "may_convene": case.is_open and bool(convenable_rungs(user, case)),
    }


@never_cache
@login_required
@require_GET
def case_detail(request: HtmxRequest, case_id: int) -> HttpResponse:
    user = request_user(request)
    if (
        followed_cases(user).filter(pk=case_id).exists()
        and not scoped_cases(user).filter(pk=case_id).exists()
    ):
        return redirect("duplicates:followed", case_id)  # a follower's view: no names
    case = case_or_404(user, case_id)
    return render_page_or_partial(
        request, "cases/case_detail.html", "cases/_case_detail.html", _detail_context(user, case)
    )


def _run(action: str, actor: User, case: Case, form: ActionForm) -> object:
    """Call the one service behind ``action`` with the parsed form."""
    d = form.cleaned_data
    calls: dict[str, Callable[[], object]] = {
        "acknowledge": lambda: services.case_acknowledge(actor=actor, case=case),
        "start": lambda: services.case_start(actor=actor, case=case),
        "resolve": lambda: services.case_resolve(
            actor=actor, case=case, resolution=d["resolution"], photos=d["photos"]
        ),
        "escalate": lambda: services.case_escalate(actor=actor, case=case, reason=d["reason"]),
        "return": lambda: dispatch.case_hand_back(actor=actor, case=case, reason=d["reason"]),
        "transfer": lambda: services.case_transfer(
            actor=actor,
            case=case,
            reason=d["reason"],
            **(form.targets() if isinstance(form, TransferForm) else {}),
        ),
        "request_extension": lambda: services.case_request_extension(
            actor=actor, case=case, days=d["days"], reason=d["reason"]
        ),
        "decide_extension": lambda: services.case_decide_extension(
            actor=actor, case=case, approve=d["approve"], reason=d["reason"]
        ),
        "hold": lambda: services.case_hold(actor=actor, case=case, reason=d["reason"]),
        "resume": lambda: services.case_resume(actor=actor, case=case, reason=d["reason"]),
        "supervise": lambda: services.case_supervise(actor=actor, case=case, reason=d["reason"]),
        "reroute": lambda: services.case_reroute(
            actor=actor, case=case, category=d["category"], rung=d["rung"], reason=d["reason"]
        ),
        "merge": lambda: services.case_merge(
            actor=actor,
            case=case,
            into=access_case_by_number(actor, d["into"].strip()),
            reason=d["reason"],
        ),
        "rate": lambda: services.case_rate(
            actor=actor,
            case=case,
            solved=d["solved"],
            satisfaction=d["satisfaction"],
            comment=d["comment"],
        ),
        "comment": lambda: services.case_comment(actor=actor, case=case, text=d["text"]),
        "request_dispatch": lambda: dispatch.case_request_dispatch(
            actor=actor, case=case, reason=d["reason"]
        ),
        "dispatch": lambda: dispatch.case_dispatch(
            actor=actor, case=case, department=d["department"], reason=d["reason"]
        ),
        "report": lambda: dispatch.case_report(
            actor=actor, case=case, result=d["result"], photos=d["photos"]
        ),
        "verify": lambda: dispatch.case_verify(
            actor=actor, case=case, passed=d["passed"], note=d["reason"], photos=d["photos"]
        ),
    }
    return calls[action]()


def _form_error(form: ActionForm) -> DomainError:
    message = next((str(e) for errors in form.errors.values() for e in errors), "请检查填写的内容")
    return DomainError("invalid_input", message)


@never_cache
@login_required
@require_POST
def case_act(request: HtmxRequest, case_id: int, action: str) -> HttpResponse:
    """One action on a case, posted by its small form. To htmx: the updated detail
    partial (with the error message if the service refused); otherwise back to the page.
    The services decide what is allowed, so a hand-made POST changes nothing either."""
    if action not in ACTION_FORMS:
        raise Http404("没有这项操作")
    user = request_user(request)
    case = case_or_404(user, case_id)
    form = ACTION_FORMS[action](request.POST, request.FILES, case=case, auto_id=f"id_{action}_%s")
    error: DomainError | None = None
    try:
        if not form.is_valid():
            raise _form_error(form)
        _run(action, user, case, form)
    except DomainError as exc:
        error = exc
    done = f"已{_LABELS[action]}"
    try:
        case = access_case(user, case_id)
    except NotFound:
        # Transferred away from the user's scope: nothing more to show them here.
        messages.success(request, f"{done}，该事项已不在您的辖区")
        target = reverse("cases:queue")
        if wants_partial(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    if error is None and not wants_partial(request):
        messages.success(request, done)
        return redirect("cases:case_detail", case.pk)
    context = _detail_context(
        user,
        case,
        error=error,
        notice="" if error else done,
        bound=form if error else None,
        bound_action=action,
    )
    response = render_page_or_partial(
        request, "cases/case_detail.html", "cases/_case_detail.html", context
    )
    if error is not None:
        response.status_code = error.status
    return response


@login_required
@require_GET
def case_photo(request: HtmxRequest, case_id: int, photo_id: int) -> FileResponse:
    """A case's photo, to those who may see the case (photos are not public media)."""
    case = case_or_404(request_user(request), case_id)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404("照片不存在")
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
