"""Measuring the suggestion: top-1 and top-3 accuracy on text the model never saw.

Two test sets. The database's cases, split once and for all by their number (a case is
held out when the first byte of the SHA-256 of its number is below ``HELD_OUT_BYTE``,
about one in five: the same cases on every run over the same demo), the model trained
on the others; and ``heldout.PHRASES``, resident phrasings never used for training."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shequgang.cases.models import Case
from shequgang.cases.suggest.heldout import PHRASES
from shequgang.cases.suggest.model import MAX_CASES, LeafInfo, Suggester, active_leaves, train

HELD_OUT_BYTE = 52  # of 256: ~20 %


def is_held_out(number: str) -> bool:
    return hashlib.sha256(number.encode()).digest()[0] < HELD_OUT_BYTE


@dataclass(frozen=True)
class Score:
    name: str
    count: int
    top1: int
    top3: int

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.count if self.count else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.count if self.count else 0.0


def score(name: str, suggester: Suggester, items: Iterable[tuple[str, int]]) -> Score:
    count = top1 = top3 = 0
    for text, category_id in items:
        ids = [s.category_id for s in suggester.suggest(text)]
        count += 1
        top1 += bool(ids) and ids[0] == category_id
        top3 += category_id in ids
    return Score(name=name, count=count, top1=top1, top3=top3)


def held_out_cases(leaves: Sequence[LeafInfo]) -> list[tuple[int, str, int]]:
    """(case id, text, category id) of the held-out cases in the active leaves."""
    rows = Case.objects.filter(category_id__in=[x.pk for x in leaves]).values_list(
        "pk", "number", "title", "description", "category_id"
    )
    return [(pk, f"{t} {d}".strip(), c) for pk, number, t, d, c in rows if is_held_out(number)]


def evaluate() -> tuple[int, list[Score]]:
    """Train without the held-out cases and score both test sets. Returns the number of
    training cases and the scores (the cases' set is empty on a database without cases)."""
    leaves = active_leaves()
    held = held_out_cases(leaves)
    held_ids = {pk for pk, _t, _c in held}
    suggester = train(leaves, exclude_case_ids=held_ids)
    by_code = {x.code: x.pk for x in leaves}
    phrases = [
        (text, by_code[code])
        for code, texts in PHRASES.items()
        if code in by_code
        for text in texts
    ]
    total = Case.objects.filter(category_id__in=[x.pk for x in leaves]).count()
    trained_on = min(total - len(held_ids), MAX_CASES)
    return trained_on, [
        score("held-out cases", suggester, [(t, c) for _pk, t, c in held]),
        score("resident phrasings", suggester, phrases),
    ]
