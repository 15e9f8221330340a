"""Every model of the cases app, one module per part of the design, all re-exported here so
``from shequgang.cases.models import X`` works for any of them (Django loads this package).

- ``choices``: rungs, sources, statuses, event kinds and the status sets (imports nothing from cases);
- ``category``: categories and the admin-editable rules row; ``case``: the case, its timeline,
  photos and numbering counter; ``notification``: the outbox;
- ``dispatch``: department routes, dispatch legs, verifications; ``duplicates``: followers and the
  duplicate rules; ``intake``: the queued reports; ``worker``: the worker-process registry;
- ``deliberation``: the 「四议」 meetings, owners' votes and their roll.

May import: Django, other apps' models, and ``cases.engine.art278`` (pure, imports nothing from
cases). Nothing else in cases: everything else imports the models."""

from shequgang.cases.models.case import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CasePhoto,
    photo_path,
)
from shequgang.cases.models.category import (
    CaseRules,
    Category,
    children_exist,
)
from shequgang.cases.models.choices import (
    BROAD_QUEUE_SQL,
    BROAD_QUEUE_STATUSES,
    CLOCK_STATUSES,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SUGGESTED_STATUSES,
    EventKind,
    Rung,
    Satisfaction,
    Source,
    Status,
)
from shequgang.cases.models.deliberation import (
    DEVELOPER_PARTY,
    Attendee,
    Deliberation,
    DeliberationStatus,
    FollowUp,
    HandVote,
    OwnerBallot,
    OwnerRollEntry,
    OwnersVote,
    OwnersVoteStatus,
    VoteOption,
)
from shequgang.cases.models.dispatch import (
    CaseVerification,
    DepartmentRoute,
    DispatchLeg,
    LegOutcome,
    LegVia,
)
from shequgang.cases.models.duplicates import (
    CaseFollower,
    DuplicateRules,
    FollowReason,
)
from shequgang.cases.models.intake import (
    CaseIntake,
    IntakeStatus,
)
from shequgang.cases.models.notification import (
    Notification,
)
from shequgang.cases.models.worker import (
    WorkerProcess,
)

# Migration 0001 names the upload path of CasePhoto.image by this dotted path.
_photo_path = photo_path

__all__ = [
    "BROAD_QUEUE_SQL",
    "BROAD_QUEUE_STATUSES",
    "CLOCK_STATUSES",
    "DEVELOPER_PARTY",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "SUGGESTED_STATUSES",
    "Attendee",
    "Case",
    "CaseEvent",
    "CaseFollower",
    "CaseIntake",
    "CaseNumberCounter",
    "CasePhoto",
    "CaseRules",
    "CaseVerification",
    "Category",
    "Deliberation",
    "DeliberationStatus",
    "DepartmentRoute",
    "DispatchLeg",
    "DuplicateRules",
    "EventKind",
    "FollowReason",
    "FollowUp",
    "HandVote",
    "IntakeStatus",
    "LegOutcome",
    "LegVia",
    "Notification",
    "OwnerBallot",
    "OwnerRollEntry",
    "OwnersVote",
    "OwnersVoteStatus",
    "Rung",
    "Satisfaction",
    "Source",
    "Status",
    "VoteOption",
    "WorkerProcess",
    "children_exist",
    "photo_path",
]
