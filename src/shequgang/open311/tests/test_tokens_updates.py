"""GET service_request_id from a token, and mySociety's servicerequestupdates extension
(status history from the case timeline)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequgang.cases.models import CaseEvent
from shequgang.cases.services import case_acknowledge, case_comment, case_resolve

from .conftest import A1, BASE, rows, xml_root

FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_answers_with_the_request_id(located, post, web, fmt):
    created = post(service_code="street_light", lat=str(A1[0]), long=str(A1[1]))
    token = created["X-Open311-Token"]
    response = web.get(f"{BASE}/tokens/{token}.{fmt}")
    assert response.status_code == 200
    assert rows(response, fmt) == [
        {"service_request_id": created.json()[0]["service_request_id"], "token": token}
    ]
    if fmt == "xml":
        assert xml_root(response).tag == "service_requests"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_token_is_404(web, world, fmt):
    response = web.get(f"{BASE}/tokens/nope.{fmt}")
    assert response.status_code == 404
    assert rows(response, fmt)[0]["code"] == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_follow_the_status_changes_on_the_timeline(world, raise_case, web, fmt):
    case = raise_case("street_light")
    handler = world.users["secretary_a"]
    case_acknowledge(actor=handler, case=case)
    case_comment(actor=handler, case=case, text="内部备注：联系了物业")
    case_resolve(actor=handler, case=case, resolution="已更换灯泡")
    response = web.get(f"{BASE}/servicerequestupdates.{fmt}")
    assert response.status_code == 200
    updates = rows(response, fmt)
    events = CaseEvent.objects.filter(case=case).exclude(kind__in=["assigned", "comment"])
    assert [u["update_id"] for u in updates] == [str(e.pk) for e in events.order_by("at", "id")]
    assert [(u["status"], u["description"]) for u in updates] == [
        ("open", "提交"),
        ("open", "签收"),
        ("closed", "办结：已更换灯泡"),
    ]
    for update in updates:
        assert update["service_request_id"] == case.number
        assert update["updated_datetime"].endswith("+08:00")
        assert set(update) == {
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        }
    assert "内部备注" not in response.content.decode()
    if fmt == "xml":
        root = xml_root(response)
        assert root.tag == "service_request_updates"
        assert {child.tag for child in root} == {"request_update"}


def test_updates_window(world, raise_case, web):
    case = raise_case()
    case_acknowledge(actor=world.users["secretary_a"], case=case)
    ack = CaseEvent.objects.get(case=case, kind="acknowledged")
    url = f"{BASE}/servicerequestupdates.json"
    stamp = timezone.localtime(ack.at)
    exact = stamp.isoformat()
    after = (stamp + dt.timedelta(microseconds=1)).isoformat()
    found = [u["update_id"] for u in rows(web.get(url, {"start_date": exact}), "json")]
    assert found == [str(ack.pk)]
    assert rows(web.get(url, {"start_date": after}), "json") == []
    old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"}
    assert rows(web.get(url, old), "json") == []
    assert web.get(url, {"start_date": "bad"}).status_code == 400


def test_the_raisers_rating_comment_stays_off_the_public_feed(world, raise_case, web):
    """Closing by the raiser's rating: the feed says 结案, not what the raiser wrote."""
    from shequgang.cases.services import case_rate

    case = raise_case("street_light")
    handler = world.users["secretary_a"]
    case_acknowledge(actor=handler, case=case)
    case = case_resolve(actor=handler, case=case, resolution="已更换灯泡")
    case_rate(
        actor=world.users["nobody"],
        case=case,
        solved=True,
        satisfaction="satisfied",
        comment="谢谢王师傅，我是302的李阿姨，电话13800001111",
    )
    assert CaseEvent.objects.filter(case=case, kind="closed").exists()
    response = web.get(f"{BASE}/servicerequestupdates.json")
    assert response.status_code == 200
    assert "13800001111" not in response.content.decode()
    assert "李阿姨" not in response.content.decode()
    closed = [u for u in rows(response, "json") if u["description"].startswith("结案")]
    assert closed and closed[-1]["status"] == "closed"
