"""The write path of deliberations, one import for the API and the pages: planning
(``planning``), the meeting (``meeting``) and its follow-up actions (``follow_ups``).
The owners' vote is ``owners_vote``; who may do what is ``access``; the transition
table is ``workflow``."""

from shequgang.cases.deliberation.common import (
    MAX_CASES,
    MAX_INVITEES,
    MAX_OPTIONS,
)
from shequgang.cases.deliberation.follow_ups import (
    follow_up_add,
    follow_up_finish,
)
from shequgang.cases.deliberation.meeting import (
    HandTally,
    OptionCount,
    deliberation_add_option,
    deliberation_cancel,
    deliberation_decide,
    deliberation_hand_vote,
    deliberation_hold,
    deliberation_record_minutes,
    deliberation_sign_in,
    hand_tally,
)
from shequgang.cases.deliberation.planning import (
    deliberation_invite,
    deliberation_list,
    deliberation_plan,
)

__all__ = [
    "MAX_CASES",
    "MAX_INVITEES",
    "MAX_OPTIONS",
    "HandTally",
    "OptionCount",
    "deliberation_add_option",
    "deliberation_cancel",
    "deliberation_decide",
    "deliberation_hand_vote",
    "deliberation_hold",
    "deliberation_invite",
    "deliberation_list",
    "deliberation_plan",
    "deliberation_record_minutes",
    "deliberation_sign_in",
    "follow_up_add",
    "follow_up_finish",
    "hand_tally",
]
