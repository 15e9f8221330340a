"""The classifier behind the category suggestion, trained per process and kept.

Character n-grams (1–3) weighted by TF-IDF, then a multinomial
logistic regression: Chinese needs no word segmentation this way, and a typo or a
different word order still shares most n-grams. Training examples are each active leaf
category's name (alone and under its 大类), its keywords (``keywords.KEYWORDS``) and the
titles and descriptions of the newest ``MAX_CASES`` cases raised in it.

The trained model is kept in the process. A request reads the reference generation
(``shequgang.reference_cache``: any write to the categories changes it); only when that
value moved are the categories read again, and only when they differ (a name, a parent,
a category added, retired or brought back) is the model trained again. Training takes a
lock, so concurrent requests wait for one training instead of each doing it."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from shequgang import reference_cache
from shequgang.cases.models import Case, Category
from shequgang.cases.suggest.keywords import KEYWORDS

# Past cases used for training, newest first: enough to learn the city's words, few
# enough that a training stays around a second.
MAX_CASES = 4000
TOP = 3
# Longer text adds nothing the first sentences do not say, and costs time.
MAX_TEXT = 300


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    code: str
    name: str
    group: str  # the 大类's name
    score: float  # the model's probability, 0–1


@dataclass(frozen=True)
class LeafInfo:
    pk: int
    code: str
    name: str
    group: str


@dataclass(frozen=True)
class Example:
    text: str
    category_id: int


class Suggester:
    """A trained model over a fixed set of leaf categories."""

    def __init__(self, leaves: Sequence[LeafInfo], examples: Sequence[Example]) -> None:
        self.leaves = {leaf.pk: leaf for leaf in leaves}
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        matrix = self.vectorizer.fit_transform([e.text[:MAX_TEXT] for e in examples])
        self.model = LogisticRegression(C=20.0, max_iter=300)
        self.model.fit(matrix, [e.category_id for e in examples])
        self.classes: list[int] = [int(c) for c in self.model.classes_]

    def suggest(self, text: str, *, top: int = TOP) -> list[Suggestion]:
        """The ``top`` likeliest categories for ``text``, likeliest first; [] for blank
        text or text sharing no n-gram with anything the model learnt."""
        text = text.strip()[:MAX_TEXT]
        if not text:
            return []
        vector = self.vectorizer.transform([text])
        if vector.nnz == 0:
            return []
        scores: Any = self.model.predict_proba(vector)[0]
        order = sorted(range(len(self.classes)), key=lambda i: -float(scores[i]))[:top]
        out = []
        for i in order:
            leaf = self.leaves[self.classes[i]]
            out.append(
                Suggestion(
                    category_id=leaf.pk,
                    code=leaf.code,
                    name=leaf.name,
                    group=leaf.group,
                    score=round(float(scores[i]), 4),
                )
            )
        return out


def active_leaves() -> list[LeafInfo]:
    """The categories a case may be raised in: active 小类 under an active 大类."""
    rows = (
        Category.objects.filter(active=True, parent__active=True)
        .order_by("id")
        .values_list("pk", "code", "name", "parent__name")
    )
    return [LeafInfo(pk=pk, code=code, name=name, group=group) for pk, code, name, group in rows]


def fingerprint(leaves: Iterable[LeafInfo]) -> str:
    """Changes whenever the set of leaves or their names change."""
    text = "\n".join(f"{x.pk}\t{x.code}\t{x.name}\t{x.group}" for x in leaves)
    return hashlib.sha256(text.encode()).hexdigest()


def category_examples(leaves: Iterable[LeafInfo]) -> list[Example]:
    """What the categories themselves say: name, 大类 + name, and each keyword."""
    out: list[Example] = []
    for leaf in leaves:
        texts = [leaf.name, f"{leaf.group} {leaf.name}", *KEYWORDS.get(leaf.code, ())]
        out.extend(Example(text=t, category_id=leaf.pk) for t in texts)
    return out


def case_examples(
    leaves: Iterable[LeafInfo], *, exclude_ids: Iterable[int] = (), limit: int = MAX_CASES
) -> list[Example]:
    """The newest ``limit`` cases in the given leaves, as title + description."""
    ids = [leaf.pk for leaf in leaves]
    rows = (
        Case.objects.filter(category_id__in=ids)
        .exclude(pk__in=list(exclude_ids))
        .order_by("-id")
        .values_list("title", "description", "category_id")[:limit]
    )
    return [Example(text=f"{t} {d}".strip(), category_id=c) for t, d, c in rows]


def train(leaves: Sequence[LeafInfo], *, exclude_case_ids: Iterable[int] = ()) -> Suggester:
    examples = category_examples(leaves) + case_examples(leaves, exclude_ids=exclude_case_ids)
    return Suggester(leaves, examples)


# --- The per-process copy -------------------------------------------------------------------


@dataclass
class _Kept:
    generation: int | None = None
    fingerprint: str = ""
    suggester: Suggester | None = None


_kept = _Kept()
_training = threading.Lock()


def current_suggester(*, generation: int | None = None) -> Suggester | None:
    """The process's model, trained again if the categories changed since; None when
    there are no categories to suggest. ``generation``: the request's reference
    generation when already read (else it is read here: one query)."""
    if generation is None:
        generation = reference_cache.read_generation()
    kept = _kept
    if generation is not None and kept.generation == generation and kept.suggester:
        return kept.suggester
    with _training:
        if generation is not None and _kept.generation == generation and _kept.suggester:
            return _kept.suggester
        leaves = active_leaves()
        if len(leaves) < 2:  # nothing to choose between
            return None
        seen = fingerprint(leaves)
        if _kept.suggester is None or seen != _kept.fingerprint:
            _kept.suggester = train(leaves)
            _kept.fingerprint = seen
        _kept.generation = generation
        return _kept.suggester


def suggest_categories(text: str, *, generation: int | None = None) -> list[Suggestion]:
    """The top 3 categories for a resident's words (see the module's docstring)."""
    suggester = current_suggester(generation=generation)
    return suggester.suggest(text) if suggester else []


def forget() -> None:
    """Drop the process's model (tests that change the categories under one generation)."""
    _kept.generation, _kept.fingerprint, _kept.suggester = None, "", None
