"""The `city` scale: generated compounds that bring the demo city to the seed's figures —
2,096 compounds, 404 of them self-managed — spread over the counties' towns by weight and
grouped into communities of about a dozen compounds."""

from __future__ import annotations

import math
import random

from shequgang.demo.city import (
    CITY_COMPOUNDS,
    CITY_SELF_MANAGED,
    COUNTIES,
    CommunitySpec,
    CompoundSpec,
    CountySpec,
    TownSpec,
)
from shequgang.demo.names import UniqueNames, community_name, compound_name
from shequgang.places.models import ManagementMode

# Generated communities hold about this many compounds each.
_COMPOUNDS_PER_COMMUNITY = 12
# Shares of the generated compounds run by a property-management committee and by an
# owners' committee; the self-managed count is fixed by the seed, companies run the rest.
_PROPERTY_COMMITTEE_SHARE = 0.08
_OWNERS_COMMITTEE_SHARE = 0.22


def generated_modes(rng: random.Random) -> list[ManagementMode]:
    """Management modes of all generated compounds, in the order they will be used, so
    that with the named compounds the city has exactly 2,096, of which 404 self-managed."""
    named = [
        c.mode
        for county in COUNTIES
        for t in county.towns
        for m in t.communities
        for c in m.compounds
    ]
    total = CITY_COMPOUNDS - len(named)
    self_managed = CITY_SELF_MANAGED - named.count(ManagementMode.SELF_MANAGED)
    committee = round(total * _PROPERTY_COMMITTEE_SHARE)
    owners = round(total * _OWNERS_COMMITTEE_SHARE)
    company = total - self_managed - committee - owners
    modes = (
        [ManagementMode.SELF_MANAGED] * self_managed
        + [ManagementMode.PROPERTY_COMMITTEE] * committee
        + [ManagementMode.OWNERS_COMMITTEE] * owners
        + [ManagementMode.PROPERTY_COMPANY] * company
    )
    rng.shuffle(modes)
    return modes


def generated_per_town(county: CountySpec) -> list[int]:
    """The county's generated compounds split over its towns by weight (largest
    remainder, so the parts add up to the county's share exactly)."""
    named = sum(len(m.compounds) for t in county.towns for m in t.communities)
    total = county.city_compounds - named
    weights = [t.weight for t in county.towns]
    shares = [total * w / sum(weights) for w in weights]
    parts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: parts[i] - shares[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def generated_communities(
    rng: random.Random,
    town: TownSpec,
    count: int,
    compound_names: UniqueNames,
    modes: list[ManagementMode],
) -> list[CommunitySpec]:
    """``count`` generated compounds in new communities of ``town``; takes their
    management modes off the end of ``modes``. Old work-unit compounds (家属院) are the
    self-managed ones, as in the article's 404."""
    if count == 0:
        return []
    names = UniqueNames(c.name for c in town.communities)
    n = max(1, round(count / _COMPOUNDS_PER_COMMUNITY))
    sizes = [count // n + (1 if i < count % n else 0) for i in range(n)]
    communities = []
    for size in sizes:
        compounds = []
        for _ in range(size):
            mode = modes.pop()
            old = mode in {ManagementMode.SELF_MANAGED, ManagementMode.PROPERTY_COMMITTEE}
            style = "old" if old else rng.choice(("multi", "high"))
            name = compound_name(rng, compound_names, work_unit=mode == ManagementMode.SELF_MANAGED)
            compounds.append(CompoundSpec(name, mode, style=style))
        communities.append(CommunitySpec(community_name(rng, names), compounds=tuple(compounds)))
    return communities
