"""GeoReport v2 under /open311/v2/: plain views, each reading its parameters, calling a
selector or ``services.request_submit``, and answering in the format the path names
(``.xml`` or ``.json``). Every refusal is the spec's error list, never a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from shequgang.errors import DomainError
from shequgang.open311 import selectors as sel
from shequgang.open311.formats import FORMATS, error_response, respond
from shequgang.open311.models import ServiceAttribute
from shequgang.open311.params import (
    Open311Error,
    bad,
    comma_list,
    coordinate,
    positive_int,
    shift,
    text,
    w3c_datetime,
)
from shequgang.open311.services import Submission, client_for_key, request_submit
from shequgang.storable import strings_storable, text_storable

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
WINDOW = dt.timedelta(days=90)  # the spec's default and widest date range
MAX_PAGE_SIZE = 1000  # the spec's default volume
MAX_PAGE = 1_000_000
# When the published service list last changed shape (categories carry no timestamp;
# attribute edits move it forward).
SINCE = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_GET = ("GET", "HEAD")

View = Callable[..., HttpResponse]


def endpoint(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Check the format and method, and turn any refusal into the spec's error list."""

    def wrap(fn: View) -> View:
        @csrf_exempt
        @wraps(fn)
        def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error_response(
                    "xml", 400, [("unsupported_format", "格式应为 .xml 或 .json")]
                )
            if request.method not in methods:
                return error_response(
                    fmt,
                    405,
                    [("method_not_allowed", f"不支持 {request.method} 方法")],
                    allow=", ".join(methods),
                )
            try:
                # No database takes a NUL inside text (PostgreSQL refuses it outright).
                if not _storable(request.GET, *map(str, kwargs.values())):
                    raise bad("invalid_characters", "参数含有非法字符")
                return fn(request, fmt, **kwargs)
            except DomainError as exc:
                errors = exc.details.get("errors") or [(exc.code, exc.message)]
                return error_response(fmt, exc.status, errors)
            except (RequestDataTooBig, TooManyFieldsSent, MultiPartParserError):
                return error_response(fmt, 400, [("malformed_request", "请求体过大或无法解析")])

        return view

    return wrap


def _storable(query: QueryDict, *texts: str) -> bool:
    """The one rule of ``shequgang.storable``, answered in Open311's own error format."""
    return strings_storable(query.lists()) and all(map(text_storable, texts))


def _window(query: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    """[start_date, end_date]: by default the most recent 90 days; one bound alone
    reaches 90 days from it; never more than 90 days."""
    start = w3c_datetime(text(query, "start_date"), name="start_date")
    end = w3c_datetime(text(query, "end_date"), name="end_date")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = shift(end, -WINDOW)
    if end is None:
        end = shift(start, WINDOW)
    if start > end:
        raise bad("invalid_date_range", "start_date 不能晚于 end_date")
    if end - start > WINDOW:
        raise bad("date_range_too_long", "日期范围不能超过 90 天")
    return start, end


def _paging(query: QueryDict) -> tuple[int, int]:
    page = positive_int(text(query, "page"), name="page", default=1, maximum=MAX_PAGE)
    size = positive_int(
        text(query, "page_size"), name="page_size", default=MAX_PAGE_SIZE, maximum=MAX_PAGE_SIZE
    )
    return page, size


# --- Discovery and services ------------------------------------------------------------------


@endpoint(_GET)
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    from django.conf import settings

    latest = ServiceAttribute.objects.aggregate(at=Max("updated_at"))["at"]
    changeset = sel.w3c(max(latest, SINCE) if latest else SINCE)
    data = {
        "changeset": changeset,
        "contact": settings.OPEN311_CONTACT,
        "key_service": "API 密钥由平台管理员在系统管理后台「Open311 客户端」中按客户端签发。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


@endpoint(_GET)
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    sel.jurisdiction_get(text(request.GET, "jurisdiction_id"))
    categories = sel.services_list()
    attributes = sel.service_attributes(categories)
    rows = [sel.service_data(c, attributes[c.pk]) for c in categories]
    return respond(fmt, "services", rows)


@endpoint(_GET)
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    sel.jurisdiction_get(text(request.GET, "jurisdiction_id"))
    category = sel.service_get(code)
    attributes = sel.service_attributes([category])[category.pk]
    data = {
        "service_code": category.code,
        "attributes": [sel.attribute_data(a) for a in attributes],
    }
    return respond(fmt, "service_definition", data)


# --- Requests ----------------------------------------------------------------------------------


@endpoint(("GET", "HEAD", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    query = request.GET
    jurisdiction = sel.jurisdiction_get(text(query, "jurisdiction_id"))
    ids = comma_list(text(query, "service_request_id"), name="service_request_id")
    if ids:  # "This overrides all other arguments."
        cases = sel.requests_by_ids(ids, jurisdiction=jurisdiction)
        return respond(fmt, "service_requests", sel.request_rows(cases))
    start, end = _window(query)
    statuses = comma_list(text(query, "status"), name="status")
    if any(s not in ("open", "closed") for s in statuses):
        raise bad("invalid_status", "status 只能是 open 或 closed")
    page, size = _paging(query)
    found = sel.requests_search(
        sel.RequestQuery(
            start=start,
            end=end,
            service_codes=comma_list(text(query, "service_code"), name="service_code"),
            statuses=statuses,
            page=page,
            page_size=size,
        ),
        jurisdiction=jurisdiction,
    )
    return respond(fmt, "service_requests", sel.request_rows(found))


def _attributes(form: QueryDict) -> dict[str, list[str]]:
    """``attribute[code]=v`` and, for multi-value lists, ``attribute[code][]=v`` pairs."""
    found: dict[str, list[str]] = {}
    for name, values in form.lists():
        if name.startswith("attribute[") and name.endswith("]"):
            code = name[len("attribute[") : -1].removesuffix("][")
            found.setdefault(code, []).extend(values)
    return found


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in _FORM_TYPES:
        raise Open311Error(
            "unsupported_media_type",
            "请以 application/x-www-form-urlencoded 提交",
            status=415,
        )
    form = request.POST
    if not _storable(form):
        raise bad("invalid_characters", "参数含有非法字符")
    client = client_for_key(text(form, "api_key") or text(request.GET, "api_key"))
    jurisdiction = sel.jurisdiction_get(
        text(form, "jurisdiction_id") or text(request.GET, "jurisdiction_id")
    )
    errors: list[tuple[str, str]] = []
    lat = long = None
    try:
        lat = coordinate(text(form, "lat"), name="lat", limit=90)
        long = coordinate(text(form, "long"), name="long", limit=180)
    except Open311Error as exc:
        errors.append((exc.code, exc.message))
    if not errors and (lat is None) != (long is None):
        errors.append(("lat_long_pair", "lat 和 long 须同时提供"))
    if not text(form, "service_code"):
        errors.append(("service_code_required", "缺少 service_code"))
    located = lat is not None or text(form, "address_string") or text(form, "address_id")
    # A bad lat/long was given as a location: say that, not that the location is missing.
    if not located and not any(code.startswith("invalid_") for code, _ in errors):
        errors.append(
            ("location_required", "缺少位置：请提供 lat 和 long、address_string 或 address_id")
        )
    if errors:
        raise Open311Error(errors[0][0], errors[0][1], status=400, errors=errors)
    data = Submission(
        service_code=text(form, "service_code"),
        lat=lat,
        long=long,
        address_string=text(form, "address_string"),
        address_id=text(form, "address_id"),
        description=(form.get("description") or "").strip(),
        email=text(form, "email"),
        first_name=text(form, "first_name"),
        last_name=text(form, "last_name"),
        phone=text(form, "phone"),
        media_url=text(form, "media_url"),
        device_id=text(form, "device_id"),
        account_id=text(form, "account_id"),
        attributes=_attributes(form),
        idempotency_key=(request.headers.get("Idempotency-Key") or "").strip(),
    )
    row, _ = request_submit(client=client, data=data, jurisdiction=jurisdiction)
    body = [
        {
            "service_request_id": row.case.number,
            "service_notice": sel.service_notice(row.case.category),
            "account_id": row.account_id or None,
        }
    ]
    response = respond(fmt, "service_requests", body)
    # Realtime service: the id is in the body, so the spec leaves the token out of it.
    response["X-Open311-Token"] = row.token
    return response


@endpoint(_GET)
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    jurisdiction = sel.jurisdiction_get(text(request.GET, "jurisdiction_id"))
    case = sel.request_by_number(request_id, jurisdiction=jurisdiction)
    return respond(fmt, "service_requests", sel.request_rows([case]))


@endpoint(_GET)
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = sel.jurisdiction_get(text(request.GET, "jurisdiction_id"))
    row = sel.request_by_token(token, jurisdiction=jurisdiction)
    data = [{"service_request_id": row.case.number, "token": row.token}]
    return respond(fmt, "service_requests", data)


@endpoint(_GET)
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension: status changes of cases within [start_date, end_date]."""
    query = request.GET
    jurisdiction = sel.jurisdiction_get(text(query, "jurisdiction_id"))
    start, end = _window(query)
    page, size = _paging(query)
    events = sel.updates_search(
        start=start, end=end, jurisdiction=jurisdiction, page=page, page_size=size
    )
    return respond(fmt, "service_request_updates", sel.update_rows(events))


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    return error_response(fmt, 404, [("not_found", "没有这个 Open311 资源")])
