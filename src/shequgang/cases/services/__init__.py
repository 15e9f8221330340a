"""The write path of a case (one function per act, keyword-only, audit in the same transaction).

- ``create``: raising a case (``create_write``: its rows and their few statements);
  ``handling``: the holder's acts; ``supervision``: extensions, 督办, holds; ``rating``: the
  raiser's rating; ``merge``: duplicates merged;
- ``notify`` / ``notifications``: who hears of a change, and the outbox with its delivery;
- ``followers``: follower bookkeeping ('me too'); ``photos``: photo checks;
- ``sweep``: the timed escalations and auto-close; ``on_the_spot``: cases resolved where raised;
- ``workers``: the worker-process registry (heartbeats, reaping the dead).

May import ``models``, ``engine`` and ``cases.access``; never ``dispatch``, ``intake``,
``duplicates``, ``deliberation``, ``queries``, ``api`` or ``web`` (they import these). The public
acts of the first five modules are re-exported here: ``services.case_create(...)``."""

from shequgang.cases.services.create import (
    CASE_PLACE_KINDS,
    case_create,
    case_draft,
    case_draft_save,
    case_texts,
)
from shequgang.cases.services.create_write import (
    CaseCreated,
    CaseDraft,
    creation_rows,
    creation_write,
)
from shequgang.cases.services.handling import (
    case_acknowledge,
    case_comment,
    case_escalate,
    case_reroute,
    case_resolve,
    case_return,
    case_start,
    case_transfer,
)
from shequgang.cases.services.merge import (
    case_merge,
)
from shequgang.cases.services.rating import (
    case_rate,
)
from shequgang.cases.services.supervision import (
    case_decide_extension,
    case_hold,
    case_request_extension,
    case_resume,
    case_supervise,
)

__all__ = [
    "CASE_PLACE_KINDS",
    "CaseCreated",
    "CaseDraft",
    "case_acknowledge",
    "case_comment",
    "case_create",
    "case_decide_extension",
    "case_draft",
    "case_draft_save",
    "case_escalate",
    "case_hold",
    "case_merge",
    "case_rate",
    "case_request_extension",
    "case_reroute",
    "case_resolve",
    "case_resume",
    "case_return",
    "case_start",
    "case_supervise",
    "case_texts",
    "case_transfer",
    "creation_rows",
    "creation_write",
]
