"""Who hears about a change of a case: its holder's people, and its raisers (the raiser,
the raisers of the duplicates merged into it, its followers)."""

from __future__ import annotations

from shequgang.cases.models import (
    Case,
)
from shequgang.cases.services import notifications
from shequgang.cases.services.followers import notified_follower_ids


def notify_holder(case: Case, title: str, *, user_ids: list[int] | None = None) -> None:
    """``user_ids``: the holder's people when the caller already knows them."""
    notifications.notify(
        user_ids=notifications.holders_of(case) if user_ids is None else user_ids,
        case=case,
        title=f"{title}：{case.number}",
        body=case.title,
    )


def notify_raisers(case: Case, title: str) -> None:
    """The raiser, everyone whose duplicate report was merged into this case, and its
    followers ("me too")."""
    ids = [
        case.raiser_id,
        *Case.objects.filter(merged_into=case).values_list("raiser_id", flat=True),
        *notified_follower_ids(case),
    ]
    notifications.notify(user_ids=ids, case=case, title=f"{title}：{case.number}", body=case.title)
