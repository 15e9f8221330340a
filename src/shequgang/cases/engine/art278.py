"""Owners' joint decisions under PRC Civil Code Article 278 (民法典第二百七十八条).

Pure arithmetic, no database: the caller supplies the compound's exclusive units and the
ballots, and gets back whether the vote is valid (quorum), whether it passed, and every ratio
against its threshold with a Chinese explanation.

The law:
- Quorum (第二款): owners holding two-thirds or more (「三分之二以上」) of the exclusive floor
  area **and** two-thirds or more of the owners by headcount take part in the vote.
- Items (6)–(8) pass with three-quarters or more (「四分之三以上」) of the participating area
  **and** of the participating owners agreeing; every other item with more than half
  (「过半数」) of each. 「以上」 includes the figure itself, 「过半数」 does not, so exactly 2/3 and
  exactly 3/4 are enough while exactly 1/2 is not.
- Area (SPC interpretation on building ownership, 法释〔2009〕7号 as amended 2020, Art. 8) is
  the registered area of each exclusive part, or the surveyed area before registration; the
  caller chooses and supplies it. Total area is the sum over all exclusive parts.
- Headcount (same interpretation, Art. 9): one exclusive part counts as one owner, but one
  buyer of several parts counts once, and the developer's unsold, or sold but undelivered,
  parts count as one owner together. Total headcount is the sum of those counts.

Counting choices where the law leaves room (documented here so the minutes can cite them):
- Ballots are per owner, not per unit. An owner of several units casts one ballot that
  carries the sum of his units' areas; there is no split vote across one owner's units.
- Co-owners of one unit (husband and wife, heirs) are one owner: give the unit one
  ``owner_key`` for the group. Who signs for them is the caller's concern.
- A unit marked ``developer_unsold`` belongs to the developer's single vote even if a buyer
  is already recorded on it (sold but not delivered, per Art. 9); that buyer cannot vote
  for it, and a ballot from a buyer with no delivered unit is rejected as unknown.
- Abstaining (弃权) and spoiled ballots count as taking part: they count towards the quorum
  and in the denominators of the approval ratios, but never as agreeing. Rules of procedure
  that deem silent owners to have voted a certain way must be applied by the caller, as
  ballots, before calling here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact
from fractions import Fraction
from functools import reduce

from shequgang.errors import DomainError


class MatterType(enum.IntEnum):
    """The nine items of Art. 278 para. 1, numbered as in the statute."""

    RULES_OF_PROCEDURE = 1
    MANAGEMENT_STATUTE = 2
    OWNERS_COMMITTEE = 3
    PROPERTY_MANAGER = 4
    USE_MAINTENANCE_FUND = 5
    RAISE_MAINTENANCE_FUND = 6
    REBUILD = 7
    COMMON_PARTS_USE = 8
    OTHER_MAJOR_MATTER = 9

    @property
    def label(self) -> str:
        return _MATTER_LABELS[self]

    @property
    def needs_supermajority(self) -> bool:
        """Items (6)–(8): three-quarters of participating area and owners must agree."""
        return self in _SUPERMAJORITY_MATTERS


_MATTER_LABELS: dict[MatterType, str] = {
    MatterType.RULES_OF_PROCEDURE: "制定和修改业主大会议事规则",
    MatterType.MANAGEMENT_STATUTE: "制定和修改管理规约",
    MatterType.OWNERS_COMMITTEE: "选举业主委员会或者更换业主委员会成员",
    MatterType.PROPERTY_MANAGER: "选聘和解聘物业服务企业或者其他管理人",
    MatterType.USE_MAINTENANCE_FUND: "使用建筑物及其附属设施的维修资金",
    MatterType.RAISE_MAINTENANCE_FUND: "筹集建筑物及其附属设施的维修资金",
    MatterType.REBUILD: "改建、重建建筑物及其附属设施",
    MatterType.COMMON_PARTS_USE: "改变共有部分的用途或者利用共有部分从事经营活动",
    MatterType.OTHER_MAJOR_MATTER: "有关共有和共同管理权利的其他重大事项",
}
_SUPERMAJORITY_MATTERS = frozenset(
    {MatterType.RAISE_MAINTENANCE_FUND, MatterType.REBUILD, MatterType.COMMON_PARTS_USE}
)


class Choice(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"  # takes part, counts in the denominators, never as agreeing

    @property
    def label(self) -> str:
        return {"for": "同意", "against": "反对", "abstain": "弃权"}[self.value]


@dataclass(frozen=True)
class UnitShare:
    """One exclusive part (专有部分) of the compound.

    ``owner_key`` identifies the owner (e.g. the blind index of the ID number) so that
    several units of one owner count once; it may be None only for a developer unit.
    ``developer_unsold`` marks units the developer has not sold, or sold but not delivered:
    all of them together are one owner, voting with their summed area."""

    unit_id: str
    area: Decimal
    owner_key: str | None
    developer_unsold: bool = False


@dataclass(frozen=True)
class Ballot:
    """One party's vote: an owner (by ``owner_key``) or the developer (``developer=True``,
    ``owner_key=None``), once, for all of that party's units. A spoiled ballot is recorded
    as an abstention: it took part but did not agree."""

    owner_key: str | None
    choice: Choice
    developer: bool = False


@dataclass(frozen=True)
class Check:
    """One ratio against its legal threshold. ``name`` is a stable code: ``quorum_area``,
    ``quorum_owners``, ``approval_area`` or ``approval_owners``. Areas are Decimal square
    metres, headcounts int."""

    name: str
    numerator: Decimal | int
    denominator: Decimal | int
    ratio: Fraction
    threshold: Fraction
    inclusive: bool
    met: bool
    explanation_zh: str


@dataclass(frozen=True)
class Tally:
    total_area: Decimal
    total_owners: int
    participating_area: Decimal
    participating_owners: int
    for_area: Decimal
    for_owners: int
    against_area: Decimal
    against_owners: int
    abstain_area: Decimal
    abstain_owners: int


@dataclass(frozen=True)
class VoteResult:
    """``checks`` holds the two quorum checks, then (only when the quorum is met, since
    otherwise there may be nobody to divide by) the two approval checks."""

    matter: MatterType
    quorum_met: bool
    passed: bool
    checks: tuple[Check, ...]
    tally: Tally
    summary_zh: str

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)


@dataclass(frozen=True)
class _Rule:
    threshold: Fraction
    inclusive: bool
    met_zh: str
    unmet_zh: str
    at_line_zh: str


_QUORUM = _Rule(
    Fraction(2, 3),
    inclusive=True,
    met_zh="达到三分之二以上",
    unmet_zh="未达到三分之二",
    at_line_zh="恰为三分之二，「以上」含本数，达到要求",
)
_SUPERMAJORITY = _Rule(
    Fraction(3, 4),
    inclusive=True,
    met_zh="达到四分之三以上",
    unmet_zh="未达到四分之三",
    at_line_zh="恰为四分之三，「以上」含本数，达到要求",
)
_MAJORITY = _Rule(
    Fraction(1, 2),
    inclusive=False,
    met_zh="已过半数",
    unmet_zh="未过半数",
    at_line_zh="恰为半数，「过半数」不含本数，未过半数",
)

_TEMPLATES = {
    "quorum_area": "参与表决业主的专有部分面积 {num} 平方米，占专有部分总面积 {den} 平方米的 {pct}，{verdict}",
    "quorum_owners": "参与表决的业主 {num} 人，占业主总人数 {den} 人的 {pct}，{verdict}",
    "approval_area": "同意的业主专有部分面积 {num} 平方米，占参与表决专有部分面积 {den} 平方米的 {pct}，{verdict}",
    "approval_owners": "同意的业主 {num} 人，占参与表决业主 {den} 人的 {pct}，{verdict}",
}

# Sums of Decimals are exact at unbounded precision; trapping Inexact makes any rounding
# (which would move a vote across the line) fail loudly instead.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])

# Internal party key: an owner_key, or None for the developer's single vote.
_Party = str | None


def art278_tally(
    *, matter: MatterType, units: Sequence[UnitShare], ballots: Sequence[Ballot]
) -> VoteResult:
    """Count an owners' vote on ``matter`` under Art. 278.

    Guarantees exact arithmetic (Decimal sums, Fraction ratios; no floats). Raises
    DomainError with code ``art278_no_units``, ``art278_duplicate_unit``,
    ``art278_bad_area``, ``art278_missing_owner``, ``art278_bad_ballot``,
    ``art278_unknown_owner`` or ``art278_duplicate_ballot`` on invalid input."""
    party_areas = _party_areas(units)
    choices = _choices(ballots, party_areas)

    def area_of(parties: Iterable[_Party]) -> Decimal:
        return _exact_sum(party_areas[p] for p in parties)

    agreeing = [p for p, c in choices.items() if c is Choice.FOR]
    against = [p for p, c in choices.items() if c is Choice.AGAINST]
    abstaining = [p for p, c in choices.items() if c is Choice.ABSTAIN]
    tally = Tally(
        total_area=area_of(party_areas),
        total_owners=len(party_areas),
        participating_area=area_of(choices),
        participating_owners=len(choices),
        for_area=area_of(agreeing),
        for_owners=len(agreeing),
        against_area=area_of(against),
        against_owners=len(against),
        abstain_area=area_of(abstaining),
        abstain_owners=len(abstaining),
    )

    quorum = (
        _check("quorum_area", tally.participating_area, tally.total_area, _QUORUM),
        _check("quorum_owners", tally.participating_owners, tally.total_owners, _QUORUM),
    )
    if not all(c.met for c in quorum):
        failed = "；".join(c.explanation_zh for c in quorum if not c.met)
        return VoteResult(
            matter=matter,
            quorum_met=False,
            passed=False,
            checks=quorum,
            tally=tally,
            summary_zh=f"表决无效（参与人数或面积不足）：{failed}。",
        )

    rule = _SUPERMAJORITY if matter.needs_supermajority else _MAJORITY
    approval = (
        _check("approval_area", tally.for_area, tally.participating_area, rule),
        _check("approval_owners", tally.for_owners, tally.participating_owners, rule),
    )
    passed = all(c.met for c in approval)
    if passed:
        reasons = "；".join(c.explanation_zh for c in approval)
        summary = f"表决通过（第{matter.value}项：{matter.label}）：{reasons}。"
    else:
        reasons = "；".join(c.explanation_zh for c in approval if not c.met)
        summary = f"表决未通过（第{matter.value}项：{matter.label}）：{reasons}。"
    return VoteResult(
        matter=matter,
        quorum_met=True,
        passed=passed,
        checks=quorum + approval,
        tally=tally,
        summary_zh=summary,
    )


def _party_areas(units: Sequence[UnitShare]) -> dict[_Party, Decimal]:
    """Each voting party (owner, or the developer as None) with the area it votes with."""
    if not units:
        raise DomainError("art278_no_units", "小区没有任何专有部分，无法计算表决结果")
    seen: set[str] = set()
    areas: dict[_Party, list[Decimal]] = {}
    for unit in units:
        if unit.unit_id in seen:
            raise DomainError(
                "art278_duplicate_unit", f"专有部分 {unit.unit_id} 重复", unit_id=unit.unit_id
            )
        seen.add(unit.unit_id)
        area = unit.area
        if not isinstance(area, Decimal) or not area.is_finite() or area <= 0:
            raise DomainError(
                "art278_bad_area",
                f"专有部分 {unit.unit_id} 的面积应为大于零的确切数值（登记或实测面积）",
                unit_id=unit.unit_id,
            )
        if unit.developer_unsold:
            party: _Party = None
        elif unit.owner_key:
            party = unit.owner_key
        else:
            raise DomainError(
                "art278_missing_owner",
                f"专有部分 {unit.unit_id} 未注明业主，无法按人数计票",
                unit_id=unit.unit_id,
            )
        areas.setdefault(party, []).append(area)
    return {party: _exact_sum(values) for party, values in areas.items()}


def _choices(ballots: Sequence[Ballot], parties: dict[_Party, Decimal]) -> dict[_Party, Choice]:
    choices: dict[_Party, Choice] = {}
    for ballot in ballots:
        if ballot.developer == bool(ballot.owner_key):
            raise DomainError("art278_bad_ballot", "选票须注明业主或建设单位，且只能注明其一")
        party: _Party = None if ballot.developer else ballot.owner_key
        if party not in parties:
            message = (
                "本小区没有建设单位未售出或未交付的专有部分"
                if party is None
                else "投票人不在本小区业主名册中，或其房屋尚未交付"
            )
            raise DomainError("art278_unknown_owner", message, owner_key=party)
        if party in choices:
            raise DomainError("art278_duplicate_ballot", "同一业主只能投票一次", owner_key=party)
        try:
            choices[party] = Choice(ballot.choice)
        except ValueError:
            raise DomainError(
                "art278_bad_ballot", "选票须选择同意、反对或弃权", owner_key=party
            ) from None
    return choices


def _check(name: str, numerator: Decimal | int, denominator: Decimal | int, rule: _Rule) -> Check:
    ratio = Fraction(numerator) / Fraction(denominator)
    met = ratio >= rule.threshold if rule.inclusive else ratio > rule.threshold
    if ratio == rule.threshold:
        verdict = rule.at_line_zh
    elif met:
        verdict = rule.met_zh
    else:
        verdict = rule.unmet_zh
    explanation = _TEMPLATES[name].format(
        num=_figure(numerator),
        den=_figure(denominator),
        pct=_percent(ratio, met=met),
        verdict=verdict,
    )
    return Check(
        name=name,
        numerator=numerator,
        denominator=denominator,
        ratio=ratio,
        threshold=rule.threshold,
        inclusive=rule.inclusive,
        met=met,
        explanation_zh=explanation,
    )


def _percent(ratio: Fraction, *, met: bool) -> str:
    # Round towards the verdict (up when met, down when not), so a displayed percentage can
    # never contradict it: 2/3 shows as 66.67%, a ratio just short of 2/3 as 66.66%.
    hundredths = math.ceil(ratio * 10_000) if met else math.floor(ratio * 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _figure(value: Decimal | int) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    return reduce(_EXACT.add, values, Decimal(0))
