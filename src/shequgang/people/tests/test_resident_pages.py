"""The resident pages: who sees whom, masking, search and filters, the htmx partial, the
audited reveal of one field, and the create and edit forms."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequgang.audit.models import AuditEntry
from shequgang.people import pii, services
from shequgang.people.models import Resident, ResidentTag
from shequgang.people.services import ResidentInput
from shequgang.places.models import Kind
from shequgang.places.services import places_create_children
from shequgang.testing import synthetic_id

# persona -> residents (World.residents keys) it may see
VISIBLE = {
    "city_admin": {"a1", "a2", "b"},
    "county_a_command": {"a1", "a2"},
    "town_a_staff": {"a1", "a2"},
    "secretary_a": {"a1", "a2"},
    "worker_a": {"a1", "a2"},
    "secretary_b": {"b"},
    "grid_a1": {"a1"},
    "grid_a2": {"a2"},
    "branch_a": {"a1", "a2"},
    "group_a1": {"a1"},
    "central_a1": set(),
    "dept_handler": set(),
    "nobody": set(),
}
LIST = "/residents/"  # people:resident_list (asserted below)


def test_url_names():
    assert reverse("people:resident_list") == LIST
    assert reverse("people:resident_create") == CREATE


def detail_url(resident):
    return reverse("people:resident_detail", args=[resident.pk])


def reveal_url(resident, field="id_number"):
    return reverse("people:resident_reveal", args=[resident.pk, field])


def full_id(resident):
    return pii.decrypt(resident.id_number_cipher)


def full_phone(resident):
    return pii.decrypt(resident.phone_cipher).removeprefix("+86")


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_each_role_lists_and_opens_only_its_residents(client, world, persona):
    client.force_login(world.users[persona])
    listing = client.get(LIST).content.decode()
    for key, resident in world.residents.items():
        allowed = key in VISIBLE[persona]
        assert (f"居民{key}<" in listing) == allowed, key
        assert client.get(detail_url(resident)).status_code == (200 if allowed else 404), key


def test_a_resident_outside_scope_looks_exactly_like_a_missing_one(client, world):
    client.force_login(world.users["grid_a1"])
    other_grid = client.get(detail_url(world.residents["a2"]))
    other_county = client.get(detail_url(world.residents["b"]))
    missing = client.get(reverse("people:resident_detail", args=[10**9]))
    assert other_grid.status_code == other_county.status_code == missing.status_code == 404
    assert other_grid.content == other_county.content == missing.content


def test_list_and_detail_show_personal_data_masked_only(client, world):
    client.force_login(world.users["secretary_a"])
    listing = client.get(LIST).content.decode()
    for key in ("a1", "a2"):
        resident = world.residents[key]
        page = client.get(detail_url(resident)).content.decode()
        for html in (listing, page):
            assert resident.id_number_masked in html and resident.phone_masked in html
            assert full_id(resident) not in html
            assert full_phone(resident) not in html
        # The birth date would complete the masked number, so only the age is shown.
        assert resident.birth_date.isoformat() not in page
        assert "岁" in page
    assert client.get(LIST)["Cache-Control"].count("no-store") == 1


# --- Search and filters --------------------------------------------------------------


def names_in(response):
    html = response.content.decode()
    return {key for key in ("a1", "a2", "b") if f"居民{key}<" in html}


def test_search_by_full_id_number_phone_and_name_fragment(client, world):
    client.force_login(world.users["secretary_a"])
    a2 = world.residents["a2"]
    assert names_in(client.post(LIST, {"q": full_id(a2)})) == {"a2"}
    assert names_in(client.post(LIST, {"q": "138 0000 0001"})) == {"a1"}
    assert names_in(client.post(LIST, {"q": "a1"})) == {"a1"}
    assert names_in(client.get(LIST, {"q": "居民"})) == {"a1", "a2"}
    # A resident of another county is not found even by exact ID number.
    assert names_in(client.post(LIST, {"q": full_id(world.residents["b"])})) == set()


def test_search_forms_post_their_terms_so_they_stay_out_of_urls(client, world, settings):
    settings.PAGE_SIZE = 1
    client.force_login(world.users["secretary_a"])
    community = reverse("places:place_detail", args=[world.community_a.pk])
    for html in (client.get(LIST).content.decode(), client.get(community).content.decode()):
        assert f'hx-post="{LIST}"' in html
        assert f'hx-get="{LIST}' not in html and f'href="{LIST}?' not in html


def test_search_results_never_echo_other_personal_data(client, world):
    client.force_login(world.users["secretary_a"])
    a1 = world.residents["a1"]
    html = client.post(LIST, {"q": "13800000001"}, HTTP_HX_REQUEST="true").content.decode()
    assert a1.id_number_masked in html and full_id(a1) not in html


def test_tag_filter(client, world):
    client.force_login(world.users["worker_a"])
    world.residents["a1"].tags.add(ResidentTag.objects.get(code="elder_alone"))
    assert names_in(client.post(LIST, {"tag": "elder_alone"})) == {"a1"}
    assert names_in(client.post(LIST, {"tag": ""})) == {"a1", "a2"}


def test_within_filter_and_a_place_outside_scope_is_404(client, world):
    client.force_login(world.users["secretary_a"])
    assert names_in(client.get(LIST, {"within": world.building_a2.pk})) == {"a2"}
    assert client.get(LIST, {"within": world.community_b.pk}).status_code == 404
    assert client.post(LIST, {"within": world.household_b.pk}).status_code == 404


def test_moved_out_residents_only_on_request(client, world):
    client.force_login(world.users["worker_a"])
    Resident.objects.filter(pk=world.residents["a2"].pk).update(status="moved_out")
    assert names_in(client.post(LIST, {})) == {"a1"}
    assert names_in(client.post(LIST, {"inactive": "1"})) == {"a1", "a2"}


def test_htmx_gets_only_the_rows_partial(client, world):
    client.force_login(world.users["secretary_a"])
    for response in (
        client.get(LIST, {"q": "居民"}, HTTP_HX_REQUEST="true"),
        client.post(LIST, {"q": "居民"}, HTTP_HX_REQUEST="true"),
    ):
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="resident-rows">')
        assert "<html" not in html and '<form class="filters' not in html
        assert "居民a1" in html
        assert "HX-Request" in response["Vary"]
    full = client.get(LIST, {"q": "居民"}).content.decode()
    assert "<html" in full and 'id="resident-rows"' in full


def test_pages_keep_the_filters_and_post_them(client, world, settings):
    settings.PAGE_SIZE = 1
    client.force_login(world.users["secretary_a"])
    first = client.post(LIST, {"q": "居民"}).content.decode()
    assert "第 1 / 2 页" in first and 'name="q" value="居民"' in first
    second = client.post(LIST, {"q": "居民", "page": "2"}, HTTP_HX_REQUEST="true")
    assert names_in(second) == {"a2"}


# --- Reveal --------------------------------------------------------------------------


def reveals(resident, field="id_number"):
    return AuditEntry.objects.filter(
        action=f"resident.reveal_{field}", object_id=str(resident.pk)
    ).count()


def test_secretary_reveals_one_field_and_it_is_audited_once(client, world):
    # Given a secretary allowed to see full personal data in community A
    client.force_login(world.users["secretary_a"])
    a1 = world.residents["a1"]
    page = client.get(detail_url(a1)).content.decode()
    assert "查看完整信息" in page and reveal_url(a1) in page
    # When they ask for the ID number through htmx, the password is asked again first
    prompt = client.post(reveal_url(a1), HTTP_HX_REQUEST="true").content.decode()
    assert 'type="password"' in prompt and full_id(a1) not in prompt
    assert reveals(a1) == 0
    # and once they type it
    response = client.post(reveal_url(a1), {"password": "x"}, HTTP_HX_REQUEST="true")
    # Then only that field comes back in full, uncached, and one audit row is written
    html = response.content.decode()
    assert response.status_code == 200
    assert full_id(a1) in html and full_phone(a1) not in html
    assert html.lstrip().startswith('<span class="pii" id="pii-id_number">')
    assert "no-store" in response["Cache-Control"]
    assert reveals(a1) == 1
    entry = AuditEntry.objects.get(action="resident.reveal_id_number")
    assert entry.actor == world.users["secretary_a"]
    assert full_id(a1) not in str(entry.changes)


def test_reveal_phone_and_address(client, world):
    client.force_login(world.users["secretary_a"])
    a2 = world.residents["a2"]
    reveal = client.post(reveal_url(a2, "phone"), {"password": "x"})
    assert "13800000002" in reveal.content.decode()
    assert reveals(a2, "phone") == 1
    # No registered address: nothing to reveal, so no button on the page
    assert reveal_url(a2, "address") not in client.get(detail_url(a2)).content.decode()


def test_reveal_without_javascript_returns_the_detail_page_with_that_field(client, world):
    client.force_login(world.users["city_admin"])
    b = world.residents["b"]
    html = client.post(reveal_url(b, "phone"), {"password": "x"}).content.decode()
    assert "<html" in html and full_phone(b) in html and full_id(b) not in html


def test_worker_without_full_pii_permission_gets_no_button_and_403(client, world):
    client.force_login(world.users["worker_a"])
    a1 = world.residents["a1"]
    assert "查看完整信息" not in client.get(detail_url(a1)).content.decode()
    response = client.post(reveal_url(a1), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert full_id(a1) not in response.content.decode()
    assert reveals(a1) == 0


@pytest.mark.parametrize(
    ("persona", "key"),
    [("grid_a2", "a1"), ("secretary_b", "a1"), ("secretary_a", "b"), ("dept_handler", "a1")],
)
def test_reveal_outside_scope_is_404_and_not_audited(client, world, persona, key):
    client.force_login(world.users[persona])
    resident = world.residents[key]
    assert client.post(reveal_url(resident)).status_code == 404
    assert reveals(resident) == 0


def test_reveal_is_post_only_with_csrf(client, world):
    a1 = world.residents["a1"]
    client.force_login(world.users["secretary_a"])
    assert client.get(reveal_url(a1)).status_code == 405
    assert client.post(reveal_url(a1, "birth_date")).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["secretary_a"])
    assert strict.post(reveal_url(a1)).status_code == 403
    assert reveals(a1) == 0


# --- Create and edit -----------------------------------------------------------------

CREATE = "/residents/new/"  # people:resident_create


def test_resident_created_through_the_form_is_stored_encrypted(client, world):
    # Given a community worker registering a resident in household A1
    client.force_login(world.users["worker_a"])
    form = client.get(CREATE, {"household": world.household_a1.pk}).content.decode()
    assert "登记居民" in form
    id_number = synthetic_id()
    # When they submit the form
    response = client.post(
        CREATE,
        {
            "name": "王五",
            "household": world.household_a1.pk,
            "relation": "spouse",
            "id_number": id_number,
            "phone": "13912345678",
            "address": "山西省吕梁市离石区凤山路1号",
            "tags": ["elder_alone"],
            "note": "",
        },
    )
    # Then the resident is stored with personal data encrypted and masked, and audited
    resident = Resident.objects.get(name="王五")
    assert response.status_code == 302 and response["Location"] == detail_url(resident)
    assert id_number not in resident.id_number_cipher
    assert pii.decrypt(resident.id_number_cipher) == id_number
    assert pii.decrypt(resident.phone_cipher) == "+8613912345678"
    assert resident.phone_masked == "139****5678"
    assert resident.household == world.household_a1 and resident.relation == "spouse"
    assert list(resident.tags.values_list("code", flat=True)) == ["elder_alone"]
    assert AuditEntry.objects.filter(action="resident.create", object_id=str(resident.pk))
    # And its page shows it masked
    page = client.get(response["Location"]).content.decode()
    assert id_number not in page and "13912345678" not in page


def test_invalid_id_number_shows_the_chinese_error_and_writes_nothing(client, world):
    client.force_login(world.users["secretary_a"])
    good = synthetic_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    residents, entries = Resident.objects.count(), AuditEntry.objects.count()

    response = client.post(
        CREATE,
        {"name": "赵六", "household": world.household_a1.pk, "relation": "head", "id_number": bad},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "身份证号码校验位不正确" in html
    assert bad not in html  # typed personal data is not echoed back
    assert Resident.objects.count() == residents
    assert AuditEntry.objects.count() == entries


def test_duplicate_id_number_is_a_form_error(client, world):
    client.force_login(world.users["secretary_a"])
    response = client.post(
        CREATE,
        {
            "name": "重复",
            "household": world.household_a2.pk,
            "relation": "head",
            "id_number": full_id(world.residents["a1"]),
        },
    )
    assert "该身份证号码已登记" in response.content.decode()
    assert not Resident.objects.filter(name="重复").exists()


def test_household_outside_the_edit_scope_is_refused(client, world):
    # The picker only finds households the grid worker may edit.
    client.force_login(world.users["grid_a1"])
    search = {"name": "household", "perm": "resident.edit", "kinds": "household"}
    found = client.get("/places/search/", {**search, "household__q": "101"}).content.decode()
    assert f'value="{world.household_a1.pk}"' in found
    assert f'value="{world.household_a2.pk}"' not in found
    response = client.post(
        CREATE, {"name": "越权", "household": world.household_a2.pk, "relation": "head"}
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Resident.objects.filter(name="越权").exists()


def test_the_household_is_picked_by_search_and_checked_against_the_edit_scope(client, world):
    client.force_login(world.users["secretary_a"])
    # The household page's "登记居民" button pre-fills it: the picker shows it chosen.
    form = client.get(CREATE, {"household": world.household_a2.pk}).content.decode()
    assert 'name="household__q"' in form
    assert f'name="household" value="{world.household_a2.pk}" checked' in form

    refused = client.post(
        CREATE, {"name": "外县", "household": world.household_b.pk, "relation": "head"}
    )
    assert "地点不存在或无权访问" in refused.content.decode()
    not_a_household = client.post(
        CREATE, {"name": "楼", "household": world.building_a1.pk, "relation": "head"}
    )
    assert "请填写“户”的编号" in not_a_household.content.decode()
    accepted = client.post(
        CREATE, {"name": "本县", "household": world.household_a2.pk, "relation": "head"}
    )
    assert accepted.status_code == 302
    assert Resident.objects.get(name="本县").household == world.household_a2
    assert not Resident.objects.filter(name__in=["外县", "楼"]).exists()


@pytest.mark.parametrize("persona", ["county_a_command", "dept_handler", "nobody"])
def test_create_page_is_404_without_resident_edit(client, world, persona):
    client.force_login(world.users[persona])
    assert client.get(CREATE).status_code == 404


def test_edit_changes_plain_fields_and_keeps_blank_personal_data(client, world):
    client.force_login(world.users["grid_a1"])
    a1 = world.residents["a1"]
    url = reverse("people:resident_edit", args=[a1.pk])
    form = client.get(url).content.decode()
    assert a1.id_number_masked in form and full_id(a1) not in form
    assert full_phone(a1) not in form

    response = client.post(
        url,
        {
            "name": "居民a1改",
            "household": world.household_a1.pk,
            "relation": "head",
            "status": "active",
            "id_number": "",
            "phone": "",
            "address": "",
            "reason": "登记时写错",
        },
    )

    assert response.status_code == 302
    a1.refresh_from_db()
    assert a1.name == "居民a1改"
    assert pii.decrypt(a1.phone_cipher) == "+8613800000001"
    entry = AuditEntry.objects.filter(action="resident.update").latest("id")
    # the log outlives an anonymisation, so it keeps the name masked
    assert entry.changes == {"name": ["居***", "居****"], "reason": [None, "登记时写错"]}


def test_edit_with_a_bad_phone_shows_the_error_and_changes_nothing(client, world):
    client.force_login(world.users["secretary_a"])
    a2 = world.residents["a2"]
    url = reverse("people:resident_edit", args=[a2.pk])
    response = client.post(
        url,
        {
            "name": "新名字",
            "household": world.household_a2.pk,
            "relation": "head",
            "status": "active",
            "phone": "12345",
        },
    )
    assert "电话号码无效" in response.content.decode()
    a2.refresh_from_db()
    assert a2.name == "居民a2"


@pytest.mark.parametrize(
    ("persona", "key"),
    [("grid_a2", "a1"), ("secretary_b", "a1"), ("branch_a", "a1"), ("county_a_command", "a2")],
)
def test_edit_is_404_without_resident_edit_on_the_household(client, world, persona, key):
    client.force_login(world.users[persona])
    url = reverse("people:resident_edit", args=[world.residents[key].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x"}).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_the_rows(client, world):
    # Given the list with two residents
    client.force_login(world.users["secretary_a"])
    before = _queries(client, LIST)
    # When twenty more, each with a tag, are registered across new households
    unit = world.household_a1.parent
    households = places_create_children(
        parent=unit,
        kind=Kind.HOUSEHOLD,
        rows=[{"name": f"{n}02"} for n in range(2, 22)],
        actor=world.admin,
    )
    for household in households:
        services.resident_create(
            actor=world.admin,
            data=ResidentInput(
                name=f"住户{household.name}", household=household, tags=["elder_alone"]
            ),
        )
    # Then the page needs no more queries than before
    assert _queries(client, LIST) == before
