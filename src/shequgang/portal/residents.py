"""Who a signed-in resident is and where they live: the one place the portal asks the
residency app (``resident_account_of`` / ``confirmed_household_of``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.http import Http404

from shequgang import reference_cache
from shequgang.people.scope import load_assignments_cached
from shequgang.people.selectors import lives_in_household
from shequgang.places.models import Kind, Place
from shequgang.places.selectors import place_ancestors_cached
from shequgang.residency.models import AccountStatus, ResidentAccount
from shequgang.residency.selectors import resident_account_of


@dataclass(frozen=True)
class Home:
    """A resident's account and, once confirmed, their household and the places around it
    (building, compound, community), from the root down."""

    account: ResidentAccount
    household: Place | None
    chain: tuple[Place, ...]

    @property
    def confirmed(self) -> bool:
        """Confirmed and still living there: the household is known."""
        return self.household is not None

    @property
    def left(self) -> bool:
        """Confirmed once, but the register's row has left the household since (moved
        out, deceased, erased): the resident pages offer what a pending account sees."""
        return self.account.status == AccountStatus.CONFIRMED and self.household is None

    def of_kind(self, kind: str) -> Place | None:
        return next((p for p in reversed(self.chain) if p.kind == kind), None)

    @property
    def community(self) -> Place | None:
        return self.of_kind(Kind.COMMUNITY)

    @property
    def address(self) -> str:
        """小区 楼栋 单元 户, as a resident says it."""
        kinds = (Kind.COMPOUND, Kind.BUILDING, Kind.UNIT, Kind.HOUSEHOLD)
        return " ".join(p.name for p in self.chain if p.kind in kinds)

    def raise_places(self) -> list[Place]:
        """Where a problem may be said to be, nearest first: the household, its building,
        its compound (the short list of the raise form)."""
        return [
            p
            for p in reversed(self.chain)
            if p.kind in (Kind.HOUSEHOLD, Kind.BUILDING, Kind.COMPOUND)
        ]


def home_of(user: User) -> Home | None:
    """The resident behind a login, or None for staff and visitors. The places around
    the household and the login's role assignments come from the process's copies
    (``reference_cache``): every resident page asks, before it writes anything."""
    account = resident_account_of(user)
    if account is None:
        return None
    resident = account.resident
    # The same test as the "me too" scope (``home_households``): the register's row
    # linked to this login, active and not erased.
    if (
        account.status != AccountStatus.CONFIRMED
        or resident is None
        or not lives_in_household(resident, user)
    ):
        return Home(account=account, household=None, chain=())
    generation = reference_cache.generation_of(user)
    load_assignments_cached(user, generation=generation)
    household = resident.household
    chain = place_ancestors_cached(place=household, generation=generation)
    return Home(account=account, household=household, chain=tuple(chain))


def resident_home(user: User) -> Home:
    """``home_of`` for the resident pages: a 404 for a login without a resident account."""
    home = home_of(user)
    if home is None:
        raise Http404("居民账号不存在")
    return home
