"""The walker of ``test_route_scoping``: for one route, fill every id it takes (path,
query, body) once with a real object of the in-scope county and once with an id that
exists nowhere, send both as one persona, and say whether the answers differ or
something was written.

Which parameter names which object is ``PARAMS`` (path and query names, and body field
names with ``_id``/``_ids`` stripped); ``COUNTY_OBJECTS`` finds that object in a county.
A route with an id-like parameter the walker does not know fails the test: teach it
here rather than skip the route."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from shequgang.cases.models import Case, CasePhoto, Notification
from shequgang.cases.models.deliberation import Attendee, Deliberation, FollowUp, VoteOption
from shequgang.cases.models.intake import CaseIntake
from shequgang.grid.models import Patrol
from shequgang.needs.models import (
    Campaign,
    Demand,
    ListHousehold,
    Milestone,
    Partner,
    Project,
    Resource,
    Visit,
    VisitList,
    Wish,
)
from shequgang.party.activity_models import Activity, Signup
from shequgang.party.models import (
    Branch,
    CentralHousehold,
    Committee,
    Member,
    MemberReport,
    PairedUnit,
    PartyGroup,
    Responsibility,
    UnitPairing,
)
from shequgang.people.models import ApiToken, Resident
from shequgang.places.models import Department, Grid, Kind, Place
from shequgang.points.models import Account, Adjustment, Goods, Merchant, Order, Transaction
from shequgang.residency.models import ResidentAccount
from shequgang.veterans.models import Application
from shequgang.web.route_inventory import Route

# An id no object has (below the API's MAX_PK, above any test database's sequences).
MISSING = 987_654_321
MISSING_TEXT = "141102-20991231-9999"  # a case number / reference that exists nowhere
MAX_PK = 9_223_372_036_854_775_807

# Path/query parameter and body field (``_id``/``_ids`` stripped) → the object it names.
PARAMS: dict[str, str] = {
    "case": "case",
    "case_id": "case",
    "into": "case",
    "number": "case_number",
    "request_id": "case_number",
    "intake_id": "intake",
    "photo_id": "photo",
    "deliberation_id": "deliberation",
    "follow_up_id": "follow_up",
    "entry_id": "roll_entry",
    "entry": "roll_entry",
    "attendee": "attendee",
    "option": "option",
    "department_id": "department",
    "department": "department",
    "to_department": "department",
    "grid_id": "grid",
    "grid": "grid",
    "place_id": "community",
    "place": "household",
    "to_place": "community",
    "within": "community",
    "scope": "community",
    "community_id": "community",
    "community": "community",
    "household_id": "household",
    "household": "household",
    "residence": "household",
    "building": "building",
    "compound": "compound",
    "resident_id": "resident",
    "activity_id": "activity",
    "branch_id": "branch",
    "branch": "branch",
    "committee": "committee",
    "group": "party_group",
    "member_id": "member",
    "member": "member",
    "leader": "member",
    "secretary": "member",
    "unit_id": "unit",
    "unit": "unit",
    "work_unit": "unit",
    "central_id": "central",
    "pairing_id": "pairing",
    "report_id": "report",
    "item_id": "responsibility",
    "signup_id": "signup",
    "account_id": "account",
    "order_id": "order",
    "goods_id": "goods",
    "goods": "goods",
    "merchant": "merchant",
    "adjustment_id": "adjustment",
    "txn_id": "transaction",
    "token_id": "token",
    "notification_id": "notification",
    "note_id": "notification",
    "patrol_id": "patrol",
    "reference": "application",
    "intake_place": "community",
    "user": "user",
    "assignee": "user",
    # needs (敲门行动 and the 需求清单)
    "campaign_id": "campaign",
    "campaign": "campaign",
    "list_id": "visit_list",
    "stop_id": "stop",
    "stop": "stop",
    "visit_id": "visit",
    "visit": "visit",
    "demand_id": "demand",
    "target": "compound",
    "invitee": "user",
    # needs: the supply side
    "resource_id": "needs_resource",
    "resource": "needs_resource",
    "project_id": "needs_project",
    "project": "needs_project",
    "milestone_id": "needs_milestone",
    "wish_id": "needs_wish",
    "partner_id": "needs_partner",
    "partner": "needs_partner",
}
# Names that mean another object under a prefix: a residency account is a resident's
# login, not a points account (a points account's id there named whatever resident
# account shared the number, in 建昌 as often as not).
PARAM_BY_PREFIX = {("/residency/", "account_id"): "resident_account"}
# ``pk`` names different objects under different prefixes.
PK_BY_PREFIX = {"/deliberations/": "deliberation", "/party/activities/": "activity"}

# Parameters that are not ids, with a value that gets the request past URL matching and
# validation (so the access check, not a 404 for a bad action, answers).
SAMPLES: dict[str, str] = {
    "fmt": "json",
    "year": "2026",
    "figure": "on_time",
    "part": "numerator",
    "name": "on_time_ack",
    "code": "stairwell_light",
    "token": "0" * 32,
    "kind": "building",
    "decision": "approve",
    "field": "id_number",
}
# Body and query fields whose sample must be a real code to pass validation.
FIELD_SAMPLES: dict[str, Any] = {"category": "stairwell_light"}
ACTIONS = {
    "/cases/": "acknowledge",
    "/deliberations/{pk}/owners-vote/": "close",
    "/deliberations/": "hold",
    "/party/activities/": "signup",
}


def _in(county: Place, lookup: str) -> dict[str, Any]:
    return {f"{lookup}__startswith": county.path}


def _first(qs: Any) -> Any:
    obj = qs.order_by("pk").first()
    return None if obj is None else obj.pk


# object name → its id (or key) in ``county``; None when the world holds none.
COUNTY_OBJECTS: dict[str, Callable[[Place], Any]] = {
    "case": lambda c: _first(Case.objects.filter(**_in(c, "place_path"))),
    "case_number": lambda c: getattr(
        Case.objects.filter(**_in(c, "place_path")).order_by("pk").first(), "number", None
    ),
    "photo": lambda c: _first(CasePhoto.objects.filter(**_in(c, "case__place_path"))),
    "intake": lambda c: _first(
        CaseIntake.objects.filter(
            payload__place__in=list(
                Place.objects.filter(**_in(c, "path")).values_list("pk", flat=True)
            )
        )
    ),
    "deliberation": lambda c: _first(Deliberation.objects.filter(**_in(c, "place__path"))),
    "follow_up": lambda c: _first(FollowUp.objects.filter(**_in(c, "deliberation__place__path"))),
    "roll_entry": lambda c: None,
    "attendee": lambda c: _first(Attendee.objects.filter(**_in(c, "deliberation__place__path"))),
    "option": lambda c: _first(VoteOption.objects.filter(**_in(c, "deliberation__place__path"))),
    "department": lambda c: _first(Department.objects.filter(**_in(c, "place__path"))),
    "grid": lambda c: _first(Grid.objects.filter(**_in(c, "community__path"))),
    "community": lambda c: _first(Place.objects.filter(kind=Kind.COMMUNITY, **_in(c, "path"))),
    "household": lambda c: _first(Place.objects.filter(kind=Kind.HOUSEHOLD, **_in(c, "path"))),
    "building": lambda c: _first(Place.objects.filter(kind=Kind.BUILDING, **_in(c, "path"))),
    "compound": lambda c: _first(Place.objects.filter(kind=Kind.COMPOUND, **_in(c, "path"))),
    "resident": lambda c: _first(Resident.objects.filter(**_in(c, "household__path"))),
    "activity": lambda c: _first(Activity.objects.filter(**_in(c, "community__path"))),
    "branch": lambda c: _first(Branch.objects.filter(**_in(c, "committee__community__path"))),
    "committee": lambda c: _first(Committee.objects.filter(**_in(c, "community__path"))),
    "party_group": lambda c: _first(PartyGroup.objects.filter(**_in(c, "building__path"))),
    "member": lambda c: _first(Member.objects.filter(**_in(c, "community__path"))),
    "unit": lambda c: _first(PairedUnit.objects.filter(**_in(c, "place__path"))),
    "central": lambda c: _first(CentralHousehold.objects.filter(**_in(c, "household__path"))),
    "pairing": lambda c: _first(UnitPairing.objects.filter(**_in(c, "community__path"))),
    "report": lambda c: _first(MemberReport.objects.filter(**_in(c, "community__path"))),
    "responsibility": lambda c: _first(Responsibility.objects.filter(**_in(c, "place__path"))),
    "signup": lambda c: _first(Signup.objects.filter(**_in(c, "activity__community__path"))),
    "account": lambda c: _first(Account.objects.filter(**_in(c, "community__path"))),
    "order": lambda c: _first(Order.objects.filter(**_in(c, "community__path"))),
    "goods": lambda c: _first(Goods.objects.filter(**_in(c, "community__path"))),
    "merchant": lambda c: _first(Merchant.objects.filter(**_in(c, "community__path"))),
    "adjustment": lambda c: _first(Adjustment.objects.filter(**_in(c, "community__path"))),
    "transaction": lambda c: _first(Transaction.objects.filter(**_in(c, "community__path"))),
    "token": lambda c: _first(
        ApiToken.objects.filter(**_in(c, "user__role_assignments__place__path"))
    ),
    "notification": lambda c: _first(Notification.objects.filter(**_in(c, "case__place_path"))),
    "patrol": lambda c: _first(Patrol.objects.filter(**_in(c, "grid__community__path"))),
    "application": lambda c: getattr(
        Application.objects.filter(registration_code=c.code[:6]).order_by("pk").first(),
        "reference",
        None,
    ),
    "user": lambda c: _first(
        User.objects.filter(**_in(c, "role_assignments__place__path")).distinct()
    ),
    "resident_account": lambda c: _first(
        ResidentAccount.objects.filter(**_in(c, "household__path"))
    ),
    "needs_resource": lambda c: _first(Resource.objects.filter(**_in(c, "place_path"))),
    "needs_project": lambda c: _first(Project.objects.filter(**_in(c, "community__path"))),
    "needs_milestone": lambda c: _first(
        Milestone.objects.filter(**_in(c, "project__community__path"))
    ),
    "needs_wish": lambda c: _first(Wish.objects.filter(**_in(c, "community__path"))),
    "needs_partner": lambda c: _first(Partner.objects.filter(**_in(c, "community__path"))),
    "campaign": lambda c: _first(Campaign.objects.filter(**_in(c, "community__path"))),
    "visit_list": lambda c: _first(VisitList.objects.filter(**_in(c, "campaign__community__path"))),
    "stop": lambda c: _first(ListHousehold.objects.filter(**_in(c, "household__path"))),
    "visit": lambda c: _first(Visit.objects.filter(**_in(c, "household__path"))),
    "demand": lambda c: _first(Demand.objects.filter(**_in(c, "place__path"))),
}
TEXT_OBJECTS = {"case_number", "application"}


def object_of(route: Route, param: str) -> str | None:
    """The object a parameter names, or None when it is no id."""
    if param == "pk":
        return next((o for p, o in PK_BY_PREFIX.items() if p in route.path), None)
    for (prefix, name), obj in PARAM_BY_PREFIX.items():
        if param == name and prefix in route.path:
            return obj
    if param in PARAMS:
        return PARAMS[param]
    return None


def id_like(name: str, schema: dict[str, Any] | None = None) -> bool:
    """Named like an id, or typed as one (``BodyId``/``PathId``: 1 … MAX_PK)."""
    if name.endswith(("_id", "_ids")) or name in {"pk", "reference", "number", "scope"}:
        return True
    if schema is not None:
        for option in [schema, *schema.get("anyOf", [])]:
            if option.get("type") == "integer" and option.get("maximum") == MAX_PK:
                return True
    return False


def field_object(name: str) -> str | None:
    base = re.sub(r"_ids?$", "", name)
    return PARAMS.get(base) or PARAMS.get(name)


# --- Writes --------------------------------------------------------------------------------

# Bookkeeping every request may write whatever the id: sessions, login attempts, the
# shared rate-limit counters, the registry of running workers.
_SKIP_TABLES = ("django_session", "axes_", "apikit_ratecount", "cases_workerprocess")


def _tables() -> list[str]:
    found = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    return sorted({t for t in found if not t.startswith(_SKIP_TABLES)})


def row_counts() -> tuple[int, ...]:
    """The row count of every table, in one statement."""
    tables = _tables()
    q = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return tuple(row)


# --- Sample input from the OpenAPI document ------------------------------------------------


@dataclass
class Filler:
    """Builds a request's query and body from the OpenAPI schema, every id-like field
    set from ``ids`` (object name → value)."""

    doc: dict[str, Any]
    ids: dict[str, Any]
    unknown: list[str] = field(default_factory=list)
    used: list[Any] = field(default_factory=list)

    def deref(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.doc["components"]["schemas"][name]
        return schema

    def value(self, name: str, schema: dict[str, Any]) -> Any:
        schema = self.deref(schema)
        if id_like(name, schema):
            obj = field_object(name)
            if obj is None:
                self.unknown.append(name)
                return 1
            value = self.ids.get(obj)
            self.used.append(value)
            return [value] if schema.get("type") == "array" else value
        if name in FIELD_SAMPLES:
            return FIELD_SAMPLES[name]
        options = [self.deref(o) for o in schema.get("anyOf", [])]
        if options:
            schema = next((o for o in options if o.get("type") != "null"), options[0])
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object":
            return self.obj(schema)
        if kind == "array":
            return [self.value(name, schema.get("items", {}))] * max(1, schema.get("minItems", 1))
        if kind == "boolean":
            return False
        if kind in {"integer", "number"}:
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
            return max(low, 1) if kind == "integer" else float(max(low, 1))
        fmt = schema.get("format")
        soon = timezone.now() + dt.timedelta(days=7)
        if fmt == "date-time":
            return soon.isoformat()
        if fmt == "date":
            return soon.date().isoformat()
        text = "测试内容"
        return text[: schema.get("maxLength", 4)] if schema.get("maxLength", 4) < 4 else text

    def obj(self, schema: dict[str, Any]) -> dict[str, Any]:
        schema = self.deref(schema)
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for name, prop in schema.get("properties", {}).items():
            if name in required or id_like(name, self.deref(prop)):
                out[name] = self.value(name, prop)
        return out


# --- One route, twice ----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    code: str  # the JSON error code, the redirect's target, or the 2xx body
    wrote: bool


def _normalised(text: str, values: list[Any]) -> str:
    """``text`` with each id the request carried written ``{id}`` (whole tokens only)."""
    for value in sorted({str(v) for v in values if v is not None}, key=len, reverse=True):
        text = re.sub(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])", "{id}", text)
    return text


def answer_of(response: Any, shown: list[Any], wrote: bool) -> Answer:
    body = response.content.decode("utf-8", "replace") if hasattr(response, "content") else ""
    if 300 <= response.status_code < 400:
        code = response.get("Location", "")
    elif response.status_code < 300:
        code = body
    else:
        try:
            code = str(json.loads(body).get("code", ""))
        except (ValueError, AttributeError):
            code = ""
    return Answer(response.status_code, _normalised(code, shown), wrote)


class Form(dict[str, Any]):
    """A body the operation takes as multipart/form-data."""


def send(client: Client, route: Route, url: str, query: dict[str, Any], body: Any) -> Any:
    method = route.method.lower()
    if route.kind == "page":
        return getattr(client, method)(url, query if method == "get" else {})
    if method == "get":
        return client.get(url, query)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    if body is None:
        return getattr(client, method)(url, content_type="application/json")
    if isinstance(body, Form):
        flat = {k: (v[0] if isinstance(v, list) and v else v) for k, v in body.items()}
        return getattr(client, method)(url, {k: v for k, v in flat.items() if v is not None})
    return getattr(client, method)(
        url,
        json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )
