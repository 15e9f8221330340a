"""The two doors into the API: a bearer token, or the browser session with CSRF on every
unsafe method. Anything else is 401 in the error shape."""

import pytest
from django.test import Client

from shequgang.apikit.testing import api_client


def _unsafe_requests(world):
    resident = world.residents["a1"].pk
    token_id = 10**6  # the CSRF check comes before the token is looked up
    return [
        ("post", f"/places/{world.compound_a.pk}/children", {"kind": "building", "name": "9号楼"}),
        ("patch", f"/places/{world.compound_a.pk}", {"name": "新名"}),
        ("post", f"/grids/{world.grid_a1.pk}/buildings", {"building_ids": [world.building_a2.pk]}),
        ("post", "/residents", {"household_id": world.household_a1.pk, "name": "某人"}),
        ("patch", f"/residents/{resident}", {"note": "x"}),
        ("post", f"/residents/{resident}/reveal", {"field": "phone"}),
        ("post", "/tokens", {"name": "x"}),
        ("delete", f"/tokens/{token_id}", None),
    ]


def test_every_unsafe_session_request_needs_the_csrf_token(world):
    api = api_client(world.users["secretary_a"], "session", enforce_csrf=True)
    for method, path, body in _unsafe_requests(world):
        response = getattr(api, method)(path, body) if body is not None else api.delete(path)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "csrf_failed", (method, path)


def test_bearer_requests_need_no_csrf_token(world):
    api = api_client(world.users["secretary_a"], "token", enforce_csrf=True)
    for method, path, body in _unsafe_requests(world):
        response = getattr(api, method)(path, body) if body is not None else api.delete(path)
        assert response.status_code != 403 or response.json()["code"] != "csrf_failed", path


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Bearer nonsense", "Basic cm9vdDp4", "Token sqg_x", "Bearer \u4e2d"],
)
def test_malformed_or_unknown_credentials_are_401(world, authorization):
    response = Client().get("/api/v1/places", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "请先登录或提供有效的访问令牌"}


def test_a_deactivated_users_token_stops_working(world):
    user = world.users["secretary_a"]
    api = api_client(user, "token")
    assert api.get("/places").status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert api.get("/places").status_code == 401
