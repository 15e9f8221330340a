import threading

import pytest
from django.db import connection
from PIL import Image

from shequgang.cases.models import Case, CaseEvent, Notification, Rung, Source, Status
from shequgang.cases.services import case_create
from shequgang.errors import DomainError, NotFound

from .conftest import at, jpeg_with_gps


def test_number_is_county_date_sequence(world, raise_case):
    first = raise_case(now=at(2026, 11, 29, 9, 0))
    second = raise_case(now=at(2026, 11, 29, 23, 59))
    next_day = raise_case(now=at(2026, 11, 30, 0, 0))
    other_county = raise_case(place=world.household_b, now=at(2026, 11, 29, 10, 0))
    assert first.number == "141102-20261129-0001"
    assert second.number == "141102-20261129-0002"
    assert next_day.number == "141102-20261130-0001"
    assert other_county.number == "141182-20261129-0001"


def test_starts_at_the_category_rung_with_the_matching_holder(world, raise_case):
    # 楼道照明 starts at the party group: building 1 has a group leader.
    case = raise_case("stairwell_light")
    assert (case.rung, case.handler_place) == (Rung.PARTY_GROUP, world.building_a1)
    assert case.status == Status.SUBMITTED
    # 邻里纠纷 starts at the central household of the same building.
    dispute = raise_case("neighbour_dispute")
    assert (dispute.rung, dispute.handler_place) == (Rung.CENTRAL_HOUSEHOLD, world.household_a1)
    # Building 2 has neither: the case skips up to the branch, and the event says why.
    skipped = raise_case("neighbour_dispute", place=world.household_a2)
    assert (skipped.rung, skipped.handler_place) == (Rung.BRANCH, world.compound_a)
    note = CaseEvent.objects.get(case=skipped, kind="assigned").reason
    assert "跳过" in note and "2号楼" in note
    # 路灯 starts at the community.
    light = raise_case("street_light")
    assert (light.rung, light.handler_place) == (Rung.COMMUNITY, world.community_a)


def test_creation_writes_events_and_notifies_holder(world, raise_case):
    case = raise_case("stairwell_light")
    assert list(case.events.values_list("kind", flat=True)) == ["created", "assigned"]
    assert Notification.objects.filter(case=case, recipient=world.users["group_a1"]).count() == 1


def test_photos_are_checked_and_stripped_of_exif(world, raise_case):
    case = raise_case(photos=[jpeg_with_gps()])
    photo = case.photos.get()
    with Image.open(photo.image.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (64, 48)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"title": ""}, "title_required"),
        ({"title": "x" * 101}, "title_too_long"),
        ({"photos": "text"}, "invalid_photo"),
        ({"photos": "many"}, "too_many_photos"),
        ({"raiser_phone": "123"}, "invalid_phone"),
        ({"latitude": 91.0}, "invalid_coordinates"),
    ],
)
def test_bad_input_creates_nothing(world, raise_case, kwargs, code):
    import io

    if kwargs.get("photos") == "text":
        kwargs["photos"] = [io.BytesIO(b"not an image at all")]
    elif kwargs.get("photos") == "many":
        kwargs["photos"] = [jpeg_with_gps() for _ in range(10)]
    before = (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count())
    with pytest.raises(DomainError) as err:
        raise_case(**kwargs)
    assert err.value.code == code
    assert (Case.objects.count(), CaseEvent.objects.count(), Notification.objects.count()) == before


def test_category_must_be_a_leaf_and_place_a_community_or_below(world, cat):
    with pytest.raises(DomainError) as err:
        case_create(
            actor=world.users["nobody"],
            source=Source.RESIDENT,
            category=cat("municipal"),
            place=world.household_a1,
            title="x",
        )
    assert err.value.code == "invalid_category"
    with pytest.raises(DomainError) as err:
        case_create(
            actor=world.users["nobody"],
            source=Source.RESIDENT,
            category=cat("street_light"),
            place=world.town_a,
            title="x",
        )
    assert err.value.code == "invalid_place"


def test_staff_doors_need_scope(world, cat):
    with pytest.raises(NotFound):
        case_create(
            actor=world.users["grid_a1"],
            source=Source.GRID_PATROL,
            category=cat("street_light"),
            place=world.household_b,
            title="路灯",
        )
    case = case_create(
        actor=world.users["grid_a1"],
        source=Source.GRID_PATROL,
        category=cat("street_light"),
        place=world.household_a1,
        title="路灯",
    )
    assert case.grid_id == world.grid_a1.pk


def test_raiser_phone_is_encrypted(world, raise_case):
    case = raise_case(raiser_phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        row = repr(cursor.fetchall())
    assert "13912345678" not in row and case.raiser_phone_masked == "139****5678"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_gets_distinct_numbers():
    from shequgang.cases.models import Category
    from shequgang.testing import build_world

    world = build_world()
    category = Category.objects.get(code="street_light")
    numbers: list[str] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        try:
            barrier.wait()
            numbers.append(
                case_create(
                    actor=world.users["nobody"],
                    source=Source.RESIDENT,
                    category=category,
                    place=world.household_a1,
                    title="并发",
                    now=at(2026, 11, 29, 10),
                ).number
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"141102-20261129-{i:04d}" for i in range(1, 7)]
