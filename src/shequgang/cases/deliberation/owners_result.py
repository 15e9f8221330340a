"""What an owners' vote shows: its result as stored JSON (every ratio against its threshold,
in words), the roll with each party's choice, and the turnout while voting. Reads only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from shequgang.cases.engine.art278 import (
    Check,
    Choice,
    VoteResult,
)
from shequgang.cases.models.deliberation import (
    DEVELOPER_PARTY,
    OwnerRollEntry,
    OwnersVote,
)

CHECK_LABELS = {
    "quorum_area": "参与表决的专有面积",
    "quorum_owners": "参与表决的业主人数",
    "approval_area": "同意的专有面积",
    "approval_owners": "同意的业主人数",
}
_THRESHOLD_NAMES = {
    Fraction(2, 3): "三分之二以上",
    Fraction(3, 4): "四分之三以上",
    Fraction(1, 2): "过半数",
}


# --- Counting -----------------------------------------------------------------------------


def _figure(value: Decimal | int) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _percent(ratio: Fraction, *, met: bool) -> str:
    # As in art278: rounded towards the verdict, so a shown percentage never contradicts it.
    hundredths = math.ceil(ratio * 10_000) if met else math.floor(ratio * 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _check_json(c: Check) -> dict[str, Any]:
    sign = "≥" if c.inclusive else ">"
    t = c.threshold
    return {
        "name": c.name,
        "label": CHECK_LABELS[c.name],
        "numerator": _figure(c.numerator),
        "denominator": _figure(c.denominator),
        "unit": "㎡" if c.name.endswith("_area") else "人",
        "ratio": f"{c.ratio.numerator}/{c.ratio.denominator}",
        "percent": _percent(c.ratio, met=c.met),
        "threshold": f"{t.numerator}/{t.denominator}",
        "threshold_label": f"{sign} {t.numerator}/{t.denominator}（{_THRESHOLD_NAMES[t]}）",
        # For drawing the threshold on a bar; the verdict never depends on it.
        "threshold_percent": f"{float(t) * 100:.2f}%",
        "inclusive": c.inclusive,
        "met": c.met,
        "explanation_zh": c.explanation_zh,
    }


def result_json(result: VoteResult) -> dict[str, Any]:
    """The stored form of a count: every check, and the tally as exact decimal strings."""
    t = result.tally
    return {
        "matter": result.matter.value,
        "matter_label": result.matter.label,
        "supermajority": result.matter.needs_supermajority,
        "quorum_met": result.quorum_met,
        "passed": result.passed,
        "summary_zh": result.summary_zh,
        "checks": [_check_json(c) for c in result.checks],
        "tally": {name: _figure(getattr(t, name)) for name in t.__dataclass_fields__},
    }


@dataclass(frozen=True)
class RollLine:
    """One unit of the roll with the choice its party made (None: no ballot yet)."""

    entry: OwnerRollEntry
    choice: Choice | None


def owners_roll(vote: OwnersVote) -> list[RollLine]:
    choices = {b.party: Choice(b.choice) for b in vote.ballots.all()}
    return [RollLine(e, choices.get(e.party)) for e in vote.roll.order_by("id")]


@dataclass(frozen=True)
class Turnout:
    """How many parties are on the roll and how many have a ballot in, while voting."""

    parties: int
    ballots: int


def owners_turnout(vote: OwnersVote) -> Turnout:
    parties = set(vote.roll.values_list("owner_key", "developer_unsold"))
    distinct = {DEVELOPER_PARTY if dev else key for key, dev in parties}
    return Turnout(parties=len(distinct), ballots=vote.ballots.count())
