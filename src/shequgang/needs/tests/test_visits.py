"""Recording visits: each outcome, the revisit window at its edges, moved out → register."""

from __future__ import annotations

import datetime as dt

import pytest

from shequgang.errors import DomainError, NotFound
from shequgang.needs.campaigns import campaign_close
from shequgang.needs.models import Campaign, ListHousehold, StopState, Visit
from shequgang.needs.visits import moved_out_confirm, visit_record
from shequgang.people.models import Resident, ResidentStatus
from shequgang.testing import World

# 2026-05-01 09:00 in Beijing.
NOW = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 5, 1)


def _stop(campaign: Campaign, world: World, household: str = "household_a1") -> ListHousehold:
    return ListHousehold.objects.get(campaign=campaign, household=getattr(world, household))


def test_met_needs_whom(campaign: Campaign, world: World) -> None:
    stop = _stop(campaign, world)
    with pytest.raises(DomainError) as err:
        visit_record(actor=world.users["grid_a1"], stop=stop, outcome="met", now=NOW)
    assert err.value.code == "met_whom_required"
    visit = visit_record(
        actor=world.users["grid_a1"], stop=stop, outcome="met", met_whom="户主本人", now=NOW
    )
    stop.refresh_from_db()
    assert (stop.state, stop.last_visited_at, visit.visitor) == (
        StopState.MET,
        NOW,
        world.users["grid_a1"],
    )


def test_not_home_schedules_a_revisit_today_to_sixty_days(campaign: Campaign, world: World) -> None:
    stop = _stop(campaign, world)
    actor = world.users["grid_a1"]
    for bad in (TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=61)):
        with pytest.raises(DomainError) as err:
            visit_record(actor=actor, stop=stop, outcome="not_home", revisit_on=bad, now=NOW)
        assert err.value.code == "invalid_revisit"
    assert not Visit.objects.exists()
    for ok in (TODAY, TODAY + dt.timedelta(days=60)):
        visit_record(actor=actor, stop=stop, outcome="not_home", revisit_on=ok, now=NOW)
        stop.refresh_from_db()
        assert (stop.state, stop.revisit_on) == (StopState.NOT_HOME, ok)
    # no date given: tomorrow (Beijing); 23:30 UTC is already the next day there
    late = dt.datetime(2026, 5, 1, 23, 30, tzinfo=dt.UTC)
    visit_record(actor=actor, stop=stop, outcome="not_home", now=late)
    stop.refresh_from_db()
    assert stop.revisit_on == dt.date(2026, 5, 3)
    # the revisit meets them: the schedule is cleared
    visit_record(actor=actor, stop=stop, outcome="met", met_whom="家属", now=late)
    stop = ListHousehold.objects.get(pk=stop.pk)
    assert stop.state == StopState.MET
    assert stop.revisit_on is None
    assert Visit.objects.filter(stop=stop).count() == 4


def test_a_revisit_date_only_for_not_home(campaign: Campaign, world: World) -> None:
    with pytest.raises(DomainError) as err:
        visit_record(
            actor=world.users["grid_a1"],
            stop=_stop(campaign, world),
            outcome="refused",
            revisit_on=TODAY,
            now=NOW,
        )
    assert err.value.code == "revisit_not_allowed"
    with pytest.raises(DomainError) as err:
        visit_record(
            actor=world.users["grid_a1"], stop=_stop(campaign, world), outcome="gone", now=NOW
        )
    assert err.value.code == "invalid_outcome"


def test_only_the_lists_visitor_or_register_staff_record(campaign: Campaign, world: World) -> None:
    stop = _stop(campaign, world)  # on grid_a1's list
    for name in ("nobody", "secretary_b", "grid_a2"):
        with pytest.raises(NotFound):
            visit_record(actor=world.users[name], stop=stop, outcome="refused", now=NOW)
    visit_record(actor=world.users["worker_a"], stop=stop, outcome="refused", now=NOW)
    other = _stop(campaign, world, "household_a2")  # the volunteer's
    visit_record(actor=world.users["nobody"], stop=other, outcome="refused", now=NOW)


def test_no_visits_once_the_campaign_is_closed(campaign: Campaign, world: World) -> None:
    campaign_close(actor=world.users["worker_a"], campaign=campaign)
    with pytest.raises(DomainError) as err:
        visit_record(
            actor=world.users["grid_a1"], stop=_stop(campaign, world), outcome="refused", now=NOW
        )
    assert err.value.code == "campaign_closed"


def test_moved_out_flags_then_staff_confirm_on_the_register(
    campaign: Campaign, world: World
) -> None:
    stop = _stop(campaign, world)
    with pytest.raises(DomainError) as err:
        moved_out_confirm(actor=world.users["worker_a"], stop=stop)
    assert err.value.code == "not_moved_out"
    visit_record(actor=world.users["grid_a1"], stop=stop, outcome="moved_out", now=NOW)
    # the flag alone changes nothing on the register
    assert world.residents["a1"].status == ResidentStatus.ACTIVE
    with pytest.raises(NotFound):
        moved_out_confirm(actor=world.users["secretary_b"], stop=stop)
    assert moved_out_confirm(actor=world.users["worker_a"], stop=stop, now=NOW) == 1
    resident = Resident.objects.get(pk=world.residents["a1"].pk)
    assert resident.status == ResidentStatus.MOVED_OUT
    assert resident.left_at is not None
    with pytest.raises(DomainError) as err:
        moved_out_confirm(actor=world.users["worker_a"], stop=stop)
    assert err.value.code == "already_confirmed"
