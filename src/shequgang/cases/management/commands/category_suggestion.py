"""Train the category suggestion and measure it: top-1 and top-3 accuracy on the held-out
cases of the database (a fixed split by case number) and on resident phrasings never
used for training. ``docs/category_suggestion.md`` quotes its output."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from shequgang.cases.suggest.evaluate import evaluate


class Command(BaseCommand):
    help = "训练事项类别推荐模型，并在留出的事项上测算准确率（top-1 / top-3）"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        trained_on, scores = evaluate()
        seconds = time.perf_counter() - started
        self.stdout.write(f"trained on the categories and {trained_on} cases in {seconds:.1f} s")
        for s in scores:
            if not s.count:
                self.stdout.write(f"{s.name}: none")
                continue
            self.stdout.write(
                f"{s.name}: n={s.count} top-1 {s.top1_rate:.1%} ({s.top1}) "
                f"top-3 {s.top3_rate:.1%} ({s.top3})"
            )
