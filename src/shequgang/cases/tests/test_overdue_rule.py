"""The overdue rule has one copy (engine.deadlines): ``lateness`` on a row in hand and
``overdue_q`` in SQL agree, at the limit and just past it, for every status."""

import datetime as dt
import itertools

from shequgang.cases.engine.deadlines import case_lateness, overdue_q
from shequgang.cases.models import Case, Status

US = dt.timedelta(microseconds=1)


HANDLED = {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.REOPENED}


def test_the_row_rule_and_the_sql_rule_agree_at_the_limits(world, raise_case):
    case = raise_case()
    due = case.resolve_due_at
    for status, now in itertools.product(Status, (due - US, due, due + US)):
        Case.objects.filter(pk=case.pk).update(status=status, verify_due_at=due)
        case.refresh_from_db()
        late = case_lateness(case, now)
        in_sql = Case.objects.filter(overdue_q(now), pk=case.pk).exists()
        assert late.overdue == in_sql, (status, now - due)
        past = now > due
        assert late.resolve == (past and status in HANDLED)
        assert late.verify == (past and status == Status.VERIFYING)
