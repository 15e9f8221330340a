import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequgang.places.models import Kind, Place
from shequgang.places.paths import ancestor_paths, child_path, encode_segment, subtree_upper_bound
from shequgang.places.selectors import place_ancestors, place_subtree


def test_segments_are_base36_and_sort_after_the_separator():
    assert [encode_segment(n) for n in (1, 9, 10, 35, 36, 1295, 1296)] == [
        "1",
        "9",
        "a",
        "z",
        "10",
        "zz",
        "100",
    ]
    with pytest.raises(ValueError):
        encode_segment(0)
    assert child_path("1/3/", 36) == "1/3/10/"
    assert subtree_upper_bound("1/3/") == "1/30"
    assert ancestor_paths("1/3/a/") == ["1/", "1/3/", "1/3/a/"]


def test_subtree_is_exactly_the_descendants(world):
    # Given two counties, when we take county A's subtree,
    subtree = set(place_subtree(place=world.county_a).values_list("pk", flat=True))
    # then it holds county A and everything below it, and nothing of county B.
    assert world.household_a1.pk in subtree and world.county_a.pk in subtree
    assert world.household_b.pk not in subtree and world.county_b.pk not in subtree
    assert world.city.pk not in subtree
    below = set(
        place_subtree(place=world.county_a, include_self=False).values_list("pk", flat=True)
    )
    assert below == subtree - {world.county_a.pk}


def test_sibling_whose_segment_extends_the_prefix_is_not_included(world, db):
    # Node "1/1/" must not capture "1/10/" or "1/1a/": the range ends at "1/10" exclusive
    # of "1/1/…"'s siblings because '/' sorts before every segment character.
    city = world.city
    for i in range(40):
        Place.objects.create(
            parent=city,
            kind=Kind.COUNTY,
            name=f"县{i}",
            path=f"{city.path}{encode_segment(100 + i)}/",
            depth=1,
        )
    county_one = Place.objects.get(path=f"{city.path}1/")
    paths = list(place_subtree(place=county_one).values_list("path", flat=True))
    assert all(p.startswith(county_one.path) for p in paths)
    assert not any(
        p.startswith(f"{city.path}1") and not p.startswith(county_one.path) for p in paths
    )


def test_subtree_query_is_one_indexed_query(world):
    with CaptureQueriesContext(connection) as ctx:
        list(place_subtree(place=world.community_a))
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "Index" in plan, plan


def test_ancestors_in_one_query(world):
    with CaptureQueriesContext(connection) as ctx:
        chain = place_ancestors(place=world.household_a1)
    assert len(ctx.captured_queries) == 1
    assert [p.kind for p in chain] == [
        Kind.CITY,
        Kind.COUNTY,
        Kind.TOWN,
        Kind.COMMUNITY,
        Kind.COMPOUND,
        Kind.BUILDING,
        Kind.UNIT,
        Kind.HOUSEHOLD,
    ]


def test_descendant_lookup_refuses_anything_but_a_path(world):
    with pytest.raises(ValueError):
        list(Place.objects.filter(path__descendant="1/%"))
