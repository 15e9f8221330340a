"""Duplicate suggestions (cases.duplicates.similar_cases): which open cases are suggested
for a report being raised — same or related category, same building or compound or
within the radius, inside the window — and in which order."""

import datetime as dt
import math

import pytest
from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.duplicates.suggestions import (
    EARTH_RADIUS_M,
    bigrams,
    distance_m,
    similar_cases,
    text_similarity,
)
from shequgang.cases.models import Case, Category, DuplicateRules, Status
from shequgang.errors import DomainError

NOW = timezone.now().replace(microsecond=0)
LAT, LNG = 37.52, 111.14


def north_of(lat: float, metres: float) -> float:
    """The latitude ``metres`` north of ``lat`` (on a meridian), as distance_m measures."""
    return lat + math.degrees(metres / EARTH_RADIUS_M)


@pytest.fixture
def rules(db):
    rules = DuplicateRules.current()
    rules.radius_m, rules.window_days, rules.min_score = 300, 30, 0
    rules.save()
    return rules


@pytest.fixture
def suggest(world, cat, rules):
    def run(code="stairwell_light", place=None, **kw):
        kw.setdefault("now", NOW)
        place = world.household_a1 if place is None and "latitude" not in kw else place
        return [x.case for x in similar_cases(category=cat(code), place=place, **kw)]

    return run


@pytest.fixture
def raise_at(raise_case):
    def make(ago=dt.timedelta(hours=1), **kw):
        return raise_case(now=NOW - ago, **kw)

    return make


# --- Text and distance -----------------------------------------------------------------------


def test_bigrams_ignore_punctuation_width_and_case():
    assert bigrams("楼道灯，坏了！") == bigrams("楼道灯坏了") == {"楼道", "道灯", "灯坏", "坏了"}
    assert bigrams("ＡＢ") == bigrams("ab") == {"ab"}
    assert bigrams("灯") == {"灯"}
    assert bigrams("，。 ") == frozenset()


def test_text_similarity_is_the_cosine_of_bigram_sets():
    a, b = bigrams("楼道灯坏了"), bigrams("楼道灯不亮")  # 4 and 4 grams, 2 shared
    assert text_similarity(a, b) == pytest.approx(2 / 4)
    assert text_similarity(a, a) == pytest.approx(1)
    assert text_similarity(a, frozenset()) == 0


def test_distance_along_a_meridian():
    assert distance_m(LAT, LNG, north_of(LAT, 300), LNG) == pytest.approx(300, abs=1e-6)


# --- Ranking ---------------------------------------------------------------------------------


def test_same_building_ranks_above_the_rest_of_the_compound(world, suggest, raise_at):
    other_building = raise_at(place=world.household_a2)
    same_building = raise_at(place=world.building_a1)
    assert suggest() == [same_building, other_building]


def test_newer_ranks_above_older(suggest, raise_at):
    older = raise_at(ago=dt.timedelta(days=10))
    newer = raise_at(ago=dt.timedelta(days=2))
    assert suggest() == [newer, older]


def test_more_similar_text_ranks_above(suggest, raise_at):
    unlike = raise_at(title="单元门口堆满杂物", ago=dt.timedelta(hours=1))
    alike = raise_at(title="三楼楼道灯不亮", ago=dt.timedelta(hours=2))
    assert suggest(text="楼道灯不亮了") == [alike, unlike]
    assert suggest(text="") == [unlike, alike]  # without text, the newer one leads


def test_nearer_coordinates_rank_above(world, suggest, raise_at):
    far = raise_at(place=world.household_b, latitude=north_of(LAT, 250), longitude=LNG)
    near = raise_at(place=world.household_b, latitude=north_of(LAT, 50), longitude=LNG)
    assert suggest(latitude=LAT, longitude=LNG) == [near, far]


# --- Boundaries ------------------------------------------------------------------------------


def test_window_edge_is_in_and_a_second_before_is_out(suggest, raise_at):
    at_edge = raise_at(ago=dt.timedelta(days=30))
    raise_at(ago=dt.timedelta(days=30, seconds=1))
    assert suggest() == [at_edge]


def test_radius_edge_is_in_and_a_metre_beyond_is_out(world, suggest, raise_at):
    # Both in another county's compound: only the coordinates can bring them in.
    at_edge = raise_at(place=world.household_b, latitude=north_of(LAT, 300), longitude=LNG)
    raise_at(place=world.household_b, latitude=north_of(LAT, 301), longitude=LNG)
    raise_at(place=world.household_b)  # no coordinates
    assert suggest(latitude=LAT, longitude=LNG) == [at_edge]
    # East-west too: the bounding box is wide enough at this latitude.
    east = LNG + math.degrees(299 / (EARTH_RADIUS_M * math.cos(math.radians(LAT))))
    sideways = raise_at(place=world.household_b, latitude=LAT, longitude=east)
    assert sideways in suggest(latitude=LAT, longitude=LNG)


def test_the_radius_and_window_are_admin_rules(world, suggest, raise_at, rules):
    case = raise_at(place=world.household_b, latitude=north_of(LAT, 400), longitude=LNG)
    assert suggest(latitude=LAT, longitude=LNG) == []
    rules.radius_m = 400
    rules.save()
    assert suggest(latitude=LAT, longitude=LNG) == [case]
    rules.window_days = 0
    rules.save()
    assert suggest(latitude=LAT, longitude=LNG) == []


def test_other_compounds_without_coordinates_are_out(world, suggest, raise_at):
    raise_at(place=world.household_b)
    assert suggest() == []


def test_min_score_and_max_results(suggest, raise_at, rules):
    cases = [raise_at(ago=dt.timedelta(hours=i + 1)) for i in range(4)]
    rules.max_results = 3
    rules.save()
    assert suggest() == cases[:3]
    rules.min_score = 1
    rules.save()
    assert suggest() == []


# --- Status and category ---------------------------------------------------------------------


def test_only_open_cases(world, suggest, raise_at):
    open_case = raise_at()
    for status in (Status.RESOLVED, Status.CLOSED, Status.ON_HOLD, Status.RETURNED):
        Case.objects.filter(pk=raise_at().pk).update(status=status)
    duplicate = raise_at()
    s.case_merge(actor=world.users["secretary_a"], case=duplicate, into=open_case)
    assert Case.objects.get(pk=duplicate.pk).status == Status.MERGED
    assert suggest() == [open_case]


def test_related_categories_only(world, suggest, raise_at):
    same = raise_at(code="stairwell_light")
    related = raise_at(code="stairwell_clutter")  # same 大类 楼栋公共事务
    raise_at(code="street_light")  # another 大类
    found = similar_cases(
        category=Category.objects.get(code="stairwell_light"), place=world.household_a1, now=NOW
    )
    assert [x.case for x in found] == [same, related]
    assert [x.same_category for x in found] == [True, False]


def test_a_parent_category_searches_its_leaves(suggest, raise_at):
    leaf = raise_at(code="stairwell_clutter")
    assert suggest(code="building") == [leaf]


# --- Input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"latitude": LAT}, "invalid_coordinates"),
        ({"latitude": 91.0, "longitude": LNG}, "invalid_coordinates"),
        ({"latitude": LAT, "longitude": -180.5}, "invalid_coordinates"),
    ],
)
def test_bad_coordinates(world, cat, rules, kw, code):
    with pytest.raises(DomainError) as err:
        similar_cases(category=cat("street_light"), place=world.household_a1, **kw)
    assert err.value.code == code


def test_a_place_or_coordinates_are_needed(cat, rules):
    with pytest.raises(DomainError) as err:
        similar_cases(category=cat("street_light"))
    assert err.value.code == "place_required"


def test_places_above_the_community_are_refused(world, cat, rules):
    with pytest.raises(DomainError) as err:
        similar_cases(category=cat("street_light"), place=world.town_a)
    assert err.value.code == "invalid_place"


def test_a_community_level_report_looks_in_the_whole_community(world, suggest, raise_at):
    in_compound = raise_at(place=world.household_a2)
    assert suggest(place=world.community_a) == [in_compound]


def test_cases_waiting_for_dispatch_or_verification_are_still_suggested(suggest, raise_at):
    waiting = raise_at(ago=dt.timedelta(hours=1))
    verifying = raise_at(ago=dt.timedelta(hours=2))
    Case.objects.filter(pk=waiting.pk).update(status=Status.TO_DISPATCH)
    Case.objects.filter(pk=verifying.pk).update(status=Status.VERIFYING)
    assert suggest() == [waiting, verifying]
