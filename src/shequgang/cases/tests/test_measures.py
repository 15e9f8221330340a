import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shequgang.cases import services as s
from shequgang.cases.engine.measures import compute_measures, measure_cases
from shequgang.cases.models import Case


def window():
    now = timezone.now()
    return now - dt.timedelta(days=1), now + dt.timedelta(days=1)


def test_measures_count_and_drill_down(world, raise_case):
    leader, branch, resident = (
        world.users["group_a1"],
        world.users["branch_a"],
        world.users["nobody"],
    )
    # 1: resolved at the party group, satisfied.
    a = raise_case(actor=resident)
    s.case_acknowledge(actor=leader, case=a)
    s.case_resolve(actor=leader, case=a, resolution="好")
    s.case_rate(actor=resident, case=a, solved=True, satisfaction="satisfied")
    # 2: escalated, resolved at the branch, basically satisfied.
    b = raise_case(actor=resident)
    s.case_escalate(actor=leader, case=b, reason="需支部")
    s.case_acknowledge(actor=branch, case=b)
    s.case_resolve(actor=branch, case=b, resolution="好")
    s.case_rate(actor=resident, case=b, solved=True, satisfaction="basic")
    # 3: a dispute, still open, never acknowledged.
    raise_case("neighbour_dispute", actor=resident)
    # 4: in another county — outside the subtree.
    raise_case("street_light", place=world.household_b, actor=resident)
    # 5: merged duplicates do not count.
    dup = raise_case(actor=resident)
    s.case_merge(actor=world.users["secretary_a"], case=dup, into=a)

    start, end = window()
    m = compute_measures(path=world.community_a.path, start=start, end=end)
    assert m.total == 3
    r = m.ratios
    assert (r["response"].numerator, r["response"].denominator) == (2, 3)
    assert (r["resolution"].numerator, r["resolution"].denominator) == (2, 3)
    assert (r["in_building"].numerator, r["in_building"].denominator) == (1, 2)
    assert (r["in_compound"].numerator, r["in_compound"].denominator) == (2, 2)
    assert (r["disputes_local"].numerator, r["disputes_local"].denominator) == (0, 1)
    # (1 satisfied + 0.9 × 1 basic) / 2 rated
    assert m.satisfaction == Decimal("0.9500")
    # 0.1 × 2/3 + 0.5 × 2/3 + 0.4 × 0.95
    assert m.composite == (
        Decimal("0.6667") * Decimal("0.1")
        + Decimal("0.6667") * Decimal("0.5")
        + Decimal("0.95") * Decimal("0.4")
    ).quantize(Decimal("0.0001"))
    for name, ratio in r.items():
        for part, expected in (("numerator", ratio.numerator), ("denominator", ratio.denominator)):
            cases = measure_cases(
                name=name, part=part, path=world.community_a.path, start=start, end=end
            )
            assert cases.count() == expected, (name, part)
    assert a.pk in measure_cases(
        name="in_building", part="numerator", path=world.community_a.path, start=start, end=end
    ).values_list("pk", flat=True)
    assert Case.objects.count() == 5
