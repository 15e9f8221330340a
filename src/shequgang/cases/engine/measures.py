"""The measures (三率 and the ladder shares) for any subtree and period. Each figure is a
numerator and a denominator, and each is a queryset condition, so every number on a
dashboard drills down to the cases it counts (``measure_cases``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from shequgang.cases.models import Case, CaseRules, Rung, Satisfaction, Status

_DONE = Q(status__in=[Status.RESOLVED, Status.CLOSED])
_COUNTED = ~Q(status=Status.MERGED)

# name -> (Chinese label, numerator condition, denominator condition)
MEASURES: dict[str, tuple[str, Q, Q]] = {
    "response": ("响应率", Q(responded_on_time=True), Q()),
    "resolution": ("解决率", _DONE, Q()),
    "on_time": ("按时办结率", _DONE & Q(resolved_on_time=True), _DONE),
    "satisfied": ("满意", Q(satisfaction=Satisfaction.SATISFIED), ~Q(satisfaction="")),
    "basic": ("基本满意", Q(satisfaction=Satisfaction.BASIC), ~Q(satisfaction="")),
    "in_building": ("小事不出楼栋", _DONE & Q(resolved_rung__lte=Rung.PARTY_GROUP), _DONE),
    "in_compound": ("大事不出小区", _DONE & Q(resolved_rung__lte=Rung.BRANCH), _DONE),
    "disputes_local": (
        "矛盾纠纷就地化解率",
        Q(category__is_dispute=True) & _DONE & Q(resolved_rung__lte=Rung.COMMUNITY),
        Q(category__is_dispute=True),
    ),
}


@dataclass(frozen=True)
class Ratio:
    label: str
    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Measures:
    total: int
    ratios: dict[str, Ratio]
    satisfaction: Decimal | None
    composite: Decimal | None


def cases_in(*, path: str, start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    """Cases raised in [start, end) at places inside the subtree at ``path``."""
    return Case.objects.filter(
        _COUNTED, place_path__descendant=path, created_at__gte=start, created_at__lt=end
    )


def compute_measures(*, path: str, start: dt.datetime, end: dt.datetime) -> Measures:
    """All figures in one aggregate query."""
    qs = cases_in(path=path, start=start, end=end)
    aggregates: dict[str, Count] = {"total": Count("id")}
    for name, (_label, num, den) in MEASURES.items():
        aggregates[f"{name}_n"] = Count("id", filter=num & den)
        aggregates[f"{name}_d"] = Count("id", filter=den) if den else Count("id")
    row = qs.aggregate(**aggregates)
    ratios = {
        name: Ratio(label, row[f"{name}_n"], row[f"{name}_d"])
        for name, (label, _num, _den) in MEASURES.items()
    }
    rules = CaseRules.current()
    rated = ratios["satisfied"].denominator
    satisfaction = None
    if rated:
        satisfaction = (
            (
                Decimal(ratios["satisfied"].numerator)
                + rules.basic_weight * Decimal(ratios["basic"].numerator)
            )
            / Decimal(rated)
        ).quantize(Decimal("0.0001"))
    parts = [
        (ratios["response"].value, rules.weight_response),
        (ratios["resolution"].value, rules.weight_resolution),
        (satisfaction, rules.weight_satisfaction),
    ]
    composite = None
    if all(v is not None for v, _w in parts):
        composite = sum((v * w for v, w in parts if v is not None), Decimal(0)).quantize(
            Decimal("0.0001")
        )
    return Measures(
        total=row["total"], ratios=ratios, satisfaction=satisfaction, composite=composite
    )


def measure_cases(
    *, name: str, part: str, path: str, start: dt.datetime, end: dt.datetime
) -> QuerySet[Case]:
    """The cases behind one figure: ``part`` is "numerator" or "denominator"."""
    if name not in MEASURES or part not in {"numerator", "denominator"}:
        raise KeyError(name)
    _label, num, den = MEASURES[name]
    cond = num & den if part == "numerator" else den
    return cases_in(path=path, start=start, end=end).filter(cond)
