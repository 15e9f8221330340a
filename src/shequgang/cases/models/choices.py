"""The enumerations and status sets of a case: the ladder's rungs, sources, statuses,
satisfaction grades and timeline event kinds. Imports nothing from the rest of cases."""

from __future__ import annotations

from django.db import models


class Rung(models.IntegerChoices):
    """The 「四议」 ladder, bottom to top."""

    CENTRAL_HOUSEHOLD = 1, "党员中心户（协调议）"
    PARTY_GROUP = 2, "党小组（牵头议）"
    BRANCH = 3, "小区党支部（组织议）"
    COMMUNITY = 4, "社区"
    TOWN = 5, "乡镇/街道"
    DEPARTMENT = 6, "县级部门"


class Source(models.TextChoices):
    RESIDENT = "resident", "居民上报"
    GRID_PATROL = "grid_patrol", "网格巡查"
    CAMERA = "camera", "视频告警"
    OPEN311 = "open311", "Open311"
    LIVESTREAM = "livestream", "书记接单直播"
    DOOR_KNOCKING = "door_knocking", "敲门走访"
    HOTLINE = "hotline", "12345热线"
    STAFF = "staff", "工作人员代报"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待签收"  # waiting for the current holder to sign for it
    ACKNOWLEDGED = "acknowledged", "已签收"
    IN_PROGRESS = "in_progress", "办理中"
    REOPENED = "reopened", "重办中"  # the raiser was unhappy; handled again at the same rung
    ON_HOLD = "on_hold", "挂账"  # not solvable now; explained and kept visible
    RETURNED = "returned", "已退回"  # wrong rung or category; waits for re-routing
    RESOLVED = "resolved", "已办结"  # waiting for the raiser's rating (回访)
    CLOSED = "closed", "已结案"
    MERGED = "merged", "已合并"  # duplicate of another case, which carries on
    # The dispatch loop (派遣·核查): waiting in the dispatcher's queue (a department
    # returned it, or a holder asked for dispatch), and waiting for on-site verification
    # after a department reported back.
    TO_DISPATCH = "to_dispatch", "待派遣"
    VERIFYING = "verifying", "待核查"


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}
)
# Statuses whose resolution clock runs (the sweep looks at these).
CLOCK_STATUSES = OPEN_STATUSES
FINAL_STATUSES = frozenset({Status.CLOSED, Status.MERGED})
# The whole-city queue (an unrestricted user's, the command centre's view of everything
# still waiting on someone): a sorted tuple, because the partial index below is used by
# SQLite only when a query lists the values in the index condition's own order.
BROAD_QUEUE_STATUSES: tuple[str, ...] = tuple(
    sorted(
        {
            Status.SUBMITTED,
            Status.ACKNOWLEDGED,
            Status.IN_PROGRESS,
            Status.REOPENED,
            Status.ON_HOLD,
            Status.RETURNED,
            Status.TO_DISPATCH,
        }
    )
)
# The same condition as literal SQL, for queries that should use that partial index on
# SQLite: its planner proves a query implies an index's condition only from literal
# values, never from bound parameters. Constants from this module, not user input.
BROAD_QUEUE_SQL = '"cases_case"."status" IN ({})'.format(
    ", ".join(f"'{status}'" for status in BROAD_QUEUE_STATUSES)
)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class EventKind(models.TextChoices):
    CREATED = "created", "提交"
    ASSIGNED = "assigned", "分派"
    ACKNOWLEDGED = "acknowledged", "签收"
    STARTED = "started", "开始办理"
    RESOLVED = "resolved", "办结"
    RETURNED = "returned", "退回"
    REROUTED = "rerouted", "重新分派"
    TRANSFERRED = "transferred", "流转"
    ESCALATED = "escalated", "提级上报"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_GRANTED = "extension_granted", "批准延期"
    EXTENSION_DENIED = "extension_denied", "驳回延期"
    SUPERVISED = "supervised", "督办"
    ON_HOLD = "on_hold", "挂账"
    RESUMED = "resumed", "恢复办理"
    RATED = "rated", "回访评价"
    REOPENED = "reopened", "重新办理"
    CLOSED = "closed", "结案"
    MERGED = "merged", "合并"
    ACK_OVERDUE = "ack_overdue", "超时未签收"
    YELLOW_CARD = "yellow_card", "黄牌预警"
    RED_CARD = "red_card", "红牌超期"
    COMMENT = "comment", "备注"
    TASK = "task", "议事任务"
    DISPATCH_REQUESTED = "dispatch_requested", "提请派遣"
    DISPATCHED = "dispatched", "派遣"
    DISPATCH_RETURNED = "dispatch_returned", "退单"
    REPORTED = "reported", "回复办理结果"
    VERIFIED = "verified", "核查通过"
    VERIFY_FAILED = "verify_failed", "核查未通过"
    VERIFY_OVERDUE = "verify_overdue", "超时未核查"
    FOLLOWED = (
        "followed",
        "我也遇到了",
    )  # another resident joined the case (cases/services/followers.py)


# Still open, or waiting on the dispatch loop: the cases a new report may duplicate.
SUGGESTED_STATUSES = frozenset(OPEN_STATUSES | {Status.TO_DISPATCH, Status.VERIFYING})
