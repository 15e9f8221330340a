"""Civil Code Art. 278 owners' votes: every threshold at the line, just above and just below,
each of area and headcount failing alone, the SPC Art. 9 headcount rules, and an exhaustive
comparison against integer cross-multiplication on a small compound.

No database: the module is pure arithmetic."""

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest

from shequgang.cases.engine.art278 import (
    Ballot,
    Choice,
    MatterType,
    UnitShare,
    art278_tally,
)
from shequgang.errors import DomainError

FOR, AGAINST, ABSTAIN = Choice.FOR, Choice.AGAINST, Choice.ABSTAIN
SIMPLE = [m for m in MatterType if not m.needs_supermajority]  # items (1)–(5), (9)
SUPER = [m for m in MatterType if m.needs_supermajority]  # items (6)–(8)


def owners(*areas: str, prefix: str = "o") -> list[UnitShare]:
    """One unit per owner, keys o0, o1, ..."""
    return [UnitShare(f"u{i}", Decimal(a), f"{prefix}{i}") for i, a in enumerate(areas)]


def vote(choice: Choice, *keys: str) -> list[Ballot]:
    return [Ballot(k, choice) for k in keys]


def keys(n: int, start: int = 0) -> list[str]:
    return [f"o{i}" for i in range(start, start + n)]


# --- the nine matter types ----------------------------------------------------------------


def test_exactly_items_six_to_eight_need_three_quarters():
    assert [m.value for m in MatterType] == list(range(1, 10))
    assert [m.value for m in SUPER] == [6, 7, 8]
    assert MatterType.RAISE_MAINTENANCE_FUND.label == "筹集建筑物及其附属设施的维修资金"
    assert MatterType.REBUILD.label == "改建、重建建筑物及其附属设施"
    assert MatterType.COMMON_PARTS_USE.label == ("改变共有部分的用途或者利用共有部分从事经营活动")
    assert MatterType(9).label == "有关共有和共同管理权利的其他重大事项"


# --- quorum: two-thirds of area AND two-thirds of headcount, both inclusive ----------------

# Ten small owners (20 m² each, 200 m²) take part; one big owner stays away. Headcount is
# 10/11 throughout, so only the area ratio 200 / (200 + absent) moves across 2/3.


@pytest.mark.parametrize(
    ("absent_area", "area_ratio", "quorum"),
    [
        ("100.00", Fraction(2, 3), True),  # exactly 2/3: 「以上」 includes the figure
        ("99.99", Fraction(20000, 29999), True),  # just above
        ("100.01", Fraction(20000, 30001), False),  # just below
    ],
)
def test_quorum_area_at_the_line(absent_area, area_ratio, quorum):
    units = [*owners(*["20.00"] * 10), UnitShare("big", Decimal(absent_area), "absent")]

    result = art278_tally(
        matter=MatterType.PROPERTY_MANAGER, units=units, ballots=vote(FOR, *keys(10))
    )

    area = result.check("quorum_area")
    assert area.ratio == area_ratio
    assert area.threshold == Fraction(2, 3) and area.inclusive
    assert area.met is quorum
    assert result.check("quorum_owners").met  # headcount 10/11 passes: area decides alone
    assert result.quorum_met is quorum
    assert result.passed is quorum  # every participant agreed


# 300 owners; the participants hold 10 m² each, the absentees 1 m², so the area ratio is
# comfortably above 2/3 and only the headcount moves across it.


@pytest.mark.parametrize(
    ("present", "quorum"),
    [(200, True), (201, True), (199, False)],  # 200/300 is exactly 2/3
)
def test_quorum_headcount_at_the_line(present, quorum):
    units = owners(*["10"] * present, *["1"] * (300 - present))

    result = art278_tally(matter=MatterType.REBUILD, units=units, ballots=vote(FOR, *keys(present)))

    headcount = result.check("quorum_owners")
    assert (headcount.numerator, headcount.denominator) == (present, 300)
    assert headcount.ratio == Fraction(present, 300)
    assert headcount.met is quorum
    assert result.check("quorum_area").met  # area passes: headcount decides alone
    assert result.quorum_met is quorum


def test_quorum_fails_on_both_and_nobody_voting_is_no_division_by_zero():
    result = art278_tally(matter=MatterType.OWNERS_COMMITTEE, units=owners("50", "50"), ballots=[])

    assert not result.quorum_met and not result.passed
    assert [c.name for c in result.checks] == ["quorum_area", "quorum_owners"]
    assert result.summary_zh.startswith("表决无效（参与人数或面积不足）")


def test_invalid_vote_does_not_pass_even_if_every_participant_agrees():
    units = owners(*["10"] * 3)

    result = art278_tally(
        matter=MatterType.MANAGEMENT_STATUTE, units=units, ballots=vote(FOR, "o0")
    )

    assert not result.quorum_met
    assert not result.passed
    assert "approval_area" not in [c.name for c in result.checks]


# --- approval, items (6)–(8): three-quarters of participating area AND owners, inclusive ---

# Everybody takes part. Ten owners of 30 m² (300 m²) agree, one owner votes against with the
# area given, so the agreeing-area ratio is 300 / (300 + against); headcount 10/11 passes.


@pytest.mark.parametrize("matter", SUPER)
@pytest.mark.parametrize(
    ("against_area", "passes"),
    [("100.00", True), ("99.99", True), ("100.01", False)],  # 300/400 is exactly 3/4
)
def test_three_quarters_area_at_the_line(matter, against_area, passes):
    units = [*owners(*["30.00"] * 10), UnitShare("x", Decimal(against_area), "against")]
    ballots = [*vote(FOR, *keys(10)), Ballot("against", AGAINST)]

    result = art278_tally(matter=matter, units=units, ballots=ballots)

    assert result.quorum_met
    area = result.check("approval_area")
    assert area.threshold == Fraction(3, 4) and area.inclusive
    assert area.met is passes
    assert result.check("approval_owners").met  # 10/11: area decides alone
    assert result.passed is passes


# 400 owners take part; the agreeing ones hold 100 m² each and the rest 1 m², so the area
# passes easily and only the headcount moves across 3/4.


@pytest.mark.parametrize("matter", SUPER)
@pytest.mark.parametrize(
    ("agreeing", "passes"),
    [(300, True), (301, True), (299, False)],  # 300/400 is exactly 3/4
)
def test_three_quarters_headcount_at_the_line(matter, agreeing, passes):
    units = owners(*["100"] * agreeing, *["1"] * (400 - agreeing))
    ballots = [*vote(FOR, *keys(agreeing)), *vote(AGAINST, *keys(400 - agreeing, agreeing))]

    result = art278_tally(matter=matter, units=units, ballots=ballots)

    headcount = result.check("approval_owners")
    assert headcount.ratio == Fraction(agreeing, 400)
    assert headcount.met is passes
    assert result.check("approval_area").met  # area passes: headcount decides alone
    assert result.passed is passes


# --- approval, other items: more than half, exclusive -------------------------------------


@pytest.mark.parametrize("matter", SIMPLE)
@pytest.mark.parametrize(
    ("against_area", "passes"),
    [("300.00", False), ("299.99", True), ("300.01", False)],  # 300/600 is exactly 1/2
)
def test_more_than_half_area_at_the_line(matter, against_area, passes):
    units = [*owners(*["30.00"] * 10), UnitShare("x", Decimal(against_area), "against")]
    ballots = [*vote(FOR, *keys(10)), Ballot("against", AGAINST)]

    result = art278_tally(matter=matter, units=units, ballots=ballots)

    area = result.check("approval_area")
    assert area.threshold == Fraction(1, 2) and not area.inclusive
    assert area.met is passes
    assert result.check("approval_owners").met
    assert result.passed is passes


@pytest.mark.parametrize("matter", SIMPLE)
@pytest.mark.parametrize(
    ("agreeing", "passes"),
    [(200, False), (201, True), (199, False)],  # 200/400 is exactly 1/2: 「过半数」 excludes it
)
def test_more_than_half_headcount_at_the_line(matter, agreeing, passes):
    units = owners(*["100"] * agreeing, *["1"] * (400 - agreeing))
    ballots = [*vote(FOR, *keys(agreeing)), *vote(AGAINST, *keys(400 - agreeing, agreeing))]

    result = art278_tally(matter=matter, units=units, ballots=ballots)

    assert result.check("approval_owners").met is passes
    assert result.check("approval_area").met
    assert result.passed is passes


@pytest.mark.parametrize("matter", list(MatterType))
@pytest.mark.parametrize(
    ("agreeing_of_12", "simple_passes", "super_passes"),
    [
        (6, False, False),  # exactly 1/2
        (7, True, False),
        (8, True, False),  # exactly 2/3: a majority, not three-quarters
        (9, True, True),  # exactly 3/4
    ],
)
def test_each_matter_type_applies_its_own_rule(matter, agreeing_of_12, simple_passes, super_passes):
    units = owners(*["50"] * 12)  # equal areas: area and headcount ratios coincide
    ballots = [
        *vote(FOR, *keys(agreeing_of_12)),
        *vote(AGAINST, *keys(12 - agreeing_of_12, agreeing_of_12)),
    ]

    result = art278_tally(matter=matter, units=units, ballots=ballots)

    assert result.passed is (super_passes if matter.needs_supermajority else simple_passes)


# --- headcount per SPC interpretation Art. 9 ----------------------------------------------


def test_owner_of_three_units_counts_once_with_all_three_areas():
    units = [
        UnitShare("1-101", Decimal("89.50"), "zhang"),
        UnitShare("1-102", Decimal("112.30"), "zhang"),
        UnitShare("2-301", Decimal("143.80"), "zhang"),
        UnitShare("3-101", Decimal("90.00"), "li"),
        UnitShare("3-102", Decimal("90.00"), "wang"),
    ]

    result = art278_tally(
        matter=MatterType.USE_MAINTENANCE_FUND,
        units=units,
        ballots=[Ballot("zhang", FOR), Ballot("li", AGAINST)],
    )

    assert result.tally.total_owners == 3
    assert result.tally.total_area == Decimal("525.60")
    assert result.tally.for_area == Decimal("345.60")
    assert (result.tally.for_owners, result.tally.participating_owners) == (1, 2)
    # Area 345.60/435.60 is a majority, but one of two owners is exactly half: not passed.
    assert result.quorum_met
    assert result.check("approval_area").met
    assert not result.check("approval_owners").met
    assert not result.passed


def test_developer_unsold_units_are_one_owner_voting_with_their_summed_area():
    units = [
        *owners("100", "100", "100"),
        UnitShare("9-901", Decimal("120"), None, developer_unsold=True),
        UnitShare("9-902", Decimal("120"), None, developer_unsold=True),
        UnitShare("9-903", Decimal("120"), None, developer_unsold=True),
    ]

    result = art278_tally(
        matter=MatterType.OTHER_MAJOR_MATTER,
        units=units,
        ballots=[Ballot(None, FOR, developer=True), Ballot("o0", AGAINST), Ballot("o1", AGAINST)],
    )

    assert result.tally.total_owners == 4  # three owners + the developer once
    assert result.tally.for_area == Decimal("360")
    assert result.tally.for_owners == 1
    # The developer's area (360 of 560) is a majority, its one head of three is not.
    assert result.check("approval_area").met
    assert not result.check("approval_owners").met
    assert not result.passed


def test_sold_but_undelivered_unit_votes_with_the_developer_not_the_buyer():
    units = [
        *owners("100", "100", "100"),
        UnitShare("9-901", Decimal("120"), "buyer", developer_unsold=True),
        UnitShare("9-902", Decimal("120"), None, developer_unsold=True),
    ]

    with pytest.raises(DomainError) as err:
        art278_tally(
            matter=MatterType.PROPERTY_MANAGER, units=units, ballots=[Ballot("buyer", FOR)]
        )

    assert err.value.code == "art278_unknown_owner"
    result = art278_tally(matter=MatterType.PROPERTY_MANAGER, units=units, ballots=[])
    assert result.tally.total_owners == 4


def test_abstaining_counts_towards_quorum_and_denominators_but_not_as_agreeing():
    units = owners(*["80"] * 4)
    without = [*vote(FOR, "o0", "o1"), Ballot("o2", AGAINST)]

    absent = art278_tally(matter=MatterType.PROPERTY_MANAGER, units=units, ballots=without)
    abstained = art278_tally(
        matter=MatterType.PROPERTY_MANAGER, units=units, ballots=[*without, Ballot("o3", ABSTAIN)]
    )

    assert absent.passed  # 2 of 3 participants agree
    assert abstained.quorum_met
    assert abstained.tally.participating_owners == 4
    assert (abstained.tally.abstain_owners, abstained.tally.abstain_area) == (1, Decimal("80"))
    assert not abstained.passed  # 2 of 4 is exactly half
    assert "恰为半数" in abstained.check("approval_owners").explanation_zh


def test_abstention_alone_can_make_the_quorum():
    units = owners(*["80"] * 3)

    short = art278_tally(matter=MatterType.REBUILD, units=units, ballots=[Ballot("o0", FOR)])
    made = art278_tally(
        matter=MatterType.REBUILD, units=units, ballots=[Ballot("o0", FOR), Ballot("o1", ABSTAIN)]
    )

    assert not short.quorum_met
    assert made.quorum_met and not made.passed


# --- exhaustive: every way six owners can vote, against cross-multiplied integers ----------


def test_every_combination_on_a_small_compound_matches_integer_arithmetic():
    areas = [1, 1, 2, 2, 3, 3]  # total 12: many ratios land exactly on 1/2, 2/3 and 3/4
    units = owners(*map(str, areas))
    at_the_line = 0
    for options in itertools.product([None, FOR, AGAINST, ABSTAIN], repeat=len(areas)):
        ballots = [Ballot(f"o{i}", c) for i, c in enumerate(options) if c is not None]
        part_n = len(ballots)
        part_a = sum(a for a, c in zip(areas, options, strict=True) if c is not None)
        for_n = options.count(FOR)
        for_a = sum(a for a, c in zip(areas, options, strict=True) if c is FOR)
        quorum = 3 * part_a >= 2 * 12 and 3 * part_n >= 2 * 6
        super_ok = quorum and 4 * for_a >= 3 * part_a and 4 * for_n >= 3 * part_n
        simple_ok = quorum and 2 * for_a > part_a and 2 * for_n > part_n
        at_the_line += 3 * part_a == 24 or 4 * for_n == 3 * part_n or 2 * for_a == part_a

        simple = art278_tally(matter=MatterType.RULES_OF_PROCEDURE, units=units, ballots=ballots)
        super_ = art278_tally(matter=MatterType.REBUILD, units=units, ballots=ballots)

        assert (simple.quorum_met, simple.passed) == (quorum, simple_ok), options
        assert (super_.quorum_met, super_.passed) == (quorum, super_ok), options
    assert at_the_line > 500  # the enumeration really exercises the boundaries


# --- a realistic compound -----------------------------------------------------------------


def compound_306() -> list[UnitShare]:
    """6 buildings x 17 floors x 3 units. The developer still holds building 6, floors
    15-17 (9 units); an investor owns 1-0101/0102/0103; two families own two units each."""
    layout = {1: Decimal("89.37"), 2: Decimal("118.62"), 3: Decimal("143.05")}
    special = {"1-0101": "investor", "1-0102": "investor", "1-0103": "investor"}
    special |= {"2-0101": "family-a", "2-0102": "family-a"}
    special |= {"3-0101": "family-b", "3-0102": "family-b"}
    units = []
    for building, floor, unit in itertools.product(range(1, 7), range(1, 18), range(1, 4)):
        unit_id = f"{building}-{floor:02d}{unit:02d}"
        if building == 6 and floor >= 15:
            units.append(UnitShare(unit_id, layout[unit], None, developer_unsold=True))
        else:
            units.append(UnitShare(unit_id, layout[unit], special.get(unit_id, f"h{unit_id}")))
    return units


def ballots_306(*, against_floors: set[int]) -> list[Ballot]:
    """Buildings 1-5 take part, building 6 and the developer stay away; floor 15 abstains."""
    by_owner: dict[str, Choice] = {}
    for unit in compound_306():
        building, floor = int(unit.unit_id[0]), int(unit.unit_id[2:4])
        if building == 6 or unit.owner_key is None:
            continue
        choice = AGAINST if floor in against_floors else ABSTAIN if floor == 15 else FOR
        by_owner[unit.owner_key] = choice  # multi-unit owners all live on floor 1
    return [Ballot(k, c) for k, c in by_owner.items()]


def test_realistic_compound_raising_the_maintenance_fund_passes():
    result = art278_tally(
        matter=MatterType.RAISE_MAINTENANCE_FUND,
        units=compound_306(),
        ballots=ballots_306(against_floors={16, 17}),
    )

    t = result.tally
    # 306 units - 9 developer units + 1 developer - 2 (investor) - 1 - 1 (families) = 294.
    assert (t.total_owners, t.total_area) == (294, Decimal("35806.08"))  # 102 x 351.04
    assert (t.participating_owners, t.participating_area) == (251, Decimal("29838.40"))
    assert (t.against_owners, t.against_area) == (30, Decimal("3510.40"))
    assert (t.abstain_owners, t.abstain_area) == (15, Decimal("1755.20"))
    assert (t.for_owners, t.for_area) == (206, Decimal("24572.80"))
    assert result.quorum_met and result.passed
    assert result.summary_zh == (
        "表决通过（第6项：筹集建筑物及其附属设施的维修资金）："
        "同意的业主专有部分面积 24572.80 平方米，占参与表决专有部分面积 29838.40 平方米的"
        " 82.36%，达到四分之三以上；"
        "同意的业主 206 人，占参与表决业主 251 人的 82.08%，达到四分之三以上。"
    )


def test_realistic_compound_same_support_passes_a_majority_item_but_not_a_supermajority_one():
    ballots = ballots_306(against_floors={13, 14, 16, 17})  # 176 of 251 agree

    fund = art278_tally(
        matter=MatterType.RAISE_MAINTENANCE_FUND, units=compound_306(), ballots=ballots
    )
    manager = art278_tally(
        matter=MatterType.PROPERTY_MANAGER, units=compound_306(), ballots=ballots
    )

    assert not fund.passed and manager.passed
    assert fund.summary_zh.startswith("表决未通过（第6项")
    assert fund.summary_zh.endswith(
        "同意的业主专有部分面积 21062.40 平方米，占参与表决专有部分面积 29838.40 平方米的"
        " 70.58%，未达到四分之三；同意的业主 176 人，占参与表决业主 251 人的 70.11%，"
        "未达到四分之三。"
    )
    assert "已过半数" in manager.check("approval_owners").explanation_zh


# --- explanations -------------------------------------------------------------------------


def test_quorum_failure_explains_the_area_figures():
    # 6590 of 10000 m² take part (65.9%); three of four owners do (75%).
    units = owners("2590", "2000", "2000", "3410")
    ballots = vote(FOR, "o0", "o1", "o2")

    result = art278_tally(matter=MatterType.PROPERTY_MANAGER, units=units, ballots=ballots)

    assert result.summary_zh == (
        "表决无效（参与人数或面积不足）：参与表决业主的专有部分面积 6590 平方米，"
        "占专有部分总面积 10000 平方米的 65.90%，未达到三分之二。"
    )
    assert result.check("quorum_owners").explanation_zh == (
        "参与表决的业主 3 人，占业主总人数 4 人的 75.00%，达到三分之二以上"
    )


def test_percentages_are_rounded_towards_the_verdict_so_they_never_contradict_it():
    at_line = art278_tally(
        matter=MatterType.REBUILD, units=owners(*["1"] * 3), ballots=vote(FOR, "o0", "o1")
    )
    # 199/300 = 66.333%, 1999/3000 = 66.633%: both fail, both shown below 66.67%.
    just_below = art278_tally(
        matter=MatterType.REBUILD,
        units=[*owners(*["1"] * 1999), UnitShare("big", Decimal("1001"), "absent")],
        ballots=vote(FOR, *keys(1999)),
    )

    assert (
        "66.67%，恰为三分之二，「以上」含本数，达到要求"
        in at_line.check("quorum_owners").explanation_zh
    )
    area = just_below.check("quorum_area")
    assert not area.met
    assert (
        "1999 平方米，占专有部分总面积 3000 平方米的 66.63%，未达到三分之二" in area.explanation_zh
    )


def test_exactly_half_is_explained_as_not_more_than_half():
    units = owners("50", "50", "50", "50")
    ballots = [*vote(FOR, "o0", "o1"), *vote(AGAINST, "o2", "o3")]

    result = art278_tally(matter=MatterType.OWNERS_COMMITTEE, units=units, ballots=ballots)

    assert result.check("approval_area").explanation_zh == (
        "同意的业主专有部分面积 100 平方米，占参与表决专有部分面积 200 平方米的 50.00%，"
        "恰为半数，「过半数」不含本数，未过半数"
    )
    assert result.summary_zh.startswith("表决未通过（第3项：选举业主委员会或者更换业主委员会成员）")


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("area", ["0", "-12.5", "NaN", "Infinity"])
def test_area_must_be_a_positive_exact_number(area):
    with pytest.raises(DomainError) as err:
        art278_tally(
            matter=MatterType.REBUILD, units=[UnitShare("1-101", Decimal(area), "a")], ballots=[]
        )
    assert err.value.code == "art278_bad_area"
    assert err.value.details == {"unit_id": "1-101"}


def test_float_area_is_refused():
    with pytest.raises(DomainError) as err:
        art278_tally(
            matter=MatterType.REBUILD,
            units=[UnitShare("1-101", 89.5, "a")],  # type: ignore[arg-type]
            ballots=[],
        )
    assert err.value.code == "art278_bad_area"


@pytest.mark.parametrize(
    ("units", "ballots", "code"),
    [
        ([], [], "art278_no_units"),
        (
            [UnitShare("1-101", Decimal(80), "a"), UnitShare("1-101", Decimal(80), "b")],
            [],
            "art278_duplicate_unit",
        ),
        ([UnitShare("1-101", Decimal(80), None)], [], "art278_missing_owner"),
        ([UnitShare("1-101", Decimal(80), "")], [], "art278_missing_owner"),
        (owners("80"), [Ballot("stranger", FOR)], "art278_unknown_owner"),
        (owners("80"), [Ballot(None, FOR, developer=True)], "art278_unknown_owner"),
        (owners("80"), [Ballot("o0", FOR), Ballot("o0", AGAINST)], "art278_duplicate_ballot"),
        (
            [UnitShare("9-901", Decimal(80), None, developer_unsold=True)],
            [Ballot(None, FOR, developer=True), Ballot(None, FOR, developer=True)],
            "art278_duplicate_ballot",
        ),
        (owners("80"), [Ballot(None, FOR)], "art278_bad_ballot"),
        (owners("80"), [Ballot("o0", FOR, developer=True)], "art278_bad_ballot"),
        (owners("80"), [Ballot("o0", "maybe")], "art278_bad_ballot"),  # type: ignore[arg-type]
    ],
)
def test_invalid_input_is_refused_with_a_stable_code(units, ballots, code):
    with pytest.raises(DomainError) as err:
        art278_tally(matter=MatterType.PROPERTY_MANAGER, units=units, ballots=ballots)
    assert err.value.code == code
    assert err.value.message  # a Chinese sentence the API can show


def test_a_plain_string_choice_is_accepted():
    result = art278_tally(
        matter=MatterType.PROPERTY_MANAGER,
        units=owners("80"),
        ballots=[Ballot("o0", "for")],  # type: ignore[arg-type]
    )
    assert result.passed
