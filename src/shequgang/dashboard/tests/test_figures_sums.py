"""The figures summed in the database (``tally_reads``) equal plain counts over the cases:
live counts by status, the cards and overdue acknowledgements, the areas, the categories
of this week and last, and the 三率 over one to three months."""

import datetime as dt
import itertools
import random

from django.db.models import Count, Q
from django.utils import timezone

from shequgang.cases.engine.measures import compute_measures
from shequgang.cases.models import OPEN_STATUSES, Case, Satisfaction, Status
from shequgang.dashboard.access import DashboardScope
from shequgang.dashboard.selectors import (
    SHANGHAI,
    dashboard_figures,
    local_today,
    measures_from_tallies,
    month_start,
)

from .conftest import assert_in_step


def _spread(world, raise_case):
    """Cases of both counties in every status (and one the engine does not know), with
    every combination of the sweep's stamps, ratings, rungs and on-time flags, raised
    over the last ten weeks."""
    rng = random.Random(11)
    now = timezone.now()
    template = raise_case(actor=world.users["nobody"])
    fields = {f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields}
    fields.pop("id")
    statuses = [*Status.values, "brand_new_status"]
    stamps = list(itertools.product([None, now], repeat=3))
    rows = []
    for i, (status, (ack, yellow, red)) in enumerate(itertools.product(statuses, stamps)):
        in_b = rng.random() < 0.3
        done = status in (Status.RESOLVED, Status.CLOSED)
        rows.append(
            Case(
                **fields
                | {
                    "number": f"S-{i}",
                    "status": status,
                    "county_code": world.county_b.code if in_b else world.county_a.code,
                    "place_path": world.household_b.path if in_b else template.place_path,
                    "place_id": world.household_b.pk if in_b else template.place_id,
                    "category_id": rng.choice([template.category_id, *range(1, 6)]),
                    "created_at": now - dt.timedelta(hours=rng.randrange(24 * 70)),
                    "ack_overdue_at": ack,
                    "yellow_card_at": yellow,
                    "red_card_at": red,
                    "responded_on_time": rng.choice([None, True, False]),
                    "resolved_on_time": rng.choice([None, True, False]) if done else None,
                    "resolved_rung": rng.randrange(1, 7) if done else None,
                    "satisfaction": rng.choice(["", *Satisfaction.values]) if done else "",
                }
            )
        )
    Case.objects.bulk_create(rows)
    assert_in_step()


def _scopes(world):
    return [
        (DashboardScope(world.city, None), None),
        (DashboardScope(world.county_a, world.county_a.code), world.county_a.code),
        (DashboardScope(world.county_b, world.county_b.code), world.county_b.code),
    ]


def test_live_counts_equal_plain_counts(world, raise_case):
    _spread(world, raise_case)
    for scope, code in _scopes(world):
        cases = Case.objects.filter(county_code=code) if code else Case.objects.all()
        open_ = cases.filter(status__in=OPEN_STATUSES)
        f = dashboard_figures(scope=scope)
        plain = dict(cases.values_list("status").annotate(n=Count("id")))
        assert {s.status: s.n for s in f.by_status} == plain
        assert f.total == cases.count()
        assert f.open == open_.count()
        assert f.red == open_.filter(red_card_at__isnull=False).count() > 0
        assert f.yellow == open_.filter(yellow_card_at__isnull=False).count() > 0
        assert f.ack_overdue == (
            cases.filter(status=Status.SUBMITTED, ack_overdue_at__isnull=False).count()
        )
        # Areas: the counties city-wide, the towns/streets (path's first three parts) in
        # a county; each with its open and red-carded open cases.
        areas: dict[str, tuple[int, int]] = {}
        for case in open_:
            key = case.county_code if code is None else "/".join(case.place_path.split("/")[:3])
            n, red = areas.get(key, (0, 0))
            areas[key] = (n + 1, red + (case.red_card_at is not None))
        assert sorted((a.open, a.red) for a in f.areas) == sorted(areas.values())


def test_categories_and_measures_equal_plain_counts(world, raise_case):
    _spread(world, raise_case)
    now = timezone.now()
    today = local_today(now)
    monday = today - dt.timedelta(days=today.weekday())
    for scope, code in _scopes(world):
        cases = Case.objects.filter(county_code=code) if code else Case.objects.all()
        f = dashboard_figures(scope=scope, now=now)
        weeks: dict[str, dict[int, int]] = {}
        for week, key in ((monday, "this"), (monday - dt.timedelta(days=7), "last")):
            start = dt.datetime.combine(week, dt.time(), tzinfo=SHANGHAI)
            raised = cases.filter(created_at__gte=start, created_at__lt=start + dt.timedelta(7))
            weeks[key] = dict(raised.values_list("category_id").annotate(n=Count("id")))
        assert {c.id: (c.this_week, c.last_week) for c in f.categories} == {
            c: (weeks["this"].get(c, 0), weeks["last"].get(c, 0))
            for c in weeks["this"].keys() | weeks["last"].keys()
        }
        for months in (1, 2, 3):
            first = month_start(today, back=months - 1)
            start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
            end_day = month_start(today, back=-1)
            end = dt.datetime.combine(end_day, dt.time(), tzinfo=SHANGHAI)
            place = scope.place
            expected = compute_measures(path=place.path, start=start, end=end)
            got = measures_from_tallies(scope=scope, first=first, last=month_start(today))
            assert got == expected, (code, months)
            assert expected.total > 0
    # The ratios have numerators and denominators to compare (not all zero).
    assert Case.objects.filter(~Q(satisfaction="")).exists()
