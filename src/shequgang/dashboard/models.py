"""Tallies: small tables of counts kept exactly in step with ``cases_case`` by database
triggers (see ``triggers.py``), so a city-wide figure sums a few thousand rows instead of
scanning millions of cases.

Each row is one combination of the dimensions it names and ``n``, the number of cases
having it now. The triggers add 1 to the new combination and take 1 from the old one on
every INSERT, UPDATE (only when a tallied column changes) and DELETE, whatever wrote the
row: a service, the sweep's set-wise UPDATE, ``bulk_create``, the admin or raw SQL. A
combination that empties keeps its row with ``n = 0``. Statuses are stored as they are,
so a status added to the engine later is counted without a change here.

Tri-state booleans are stored as -1 (unknown), 0 (false), 1 (true) and missing ids as 0,
because NULLs never conflict in a unique index and upserts need them to.
"""

from __future__ import annotations

from django.db import models

# Bits of StateTally.flags: the sweep's stamps, which are row writes.
ACK_OVERDUE = 1  # 超时未签收 (ack_overdue_at set)
YELLOW = 2  # 黄牌 (yellow_card_at set)
RED = 4  # 红牌 (red_card_at set; stays after the automatic escalation)


class StateTally(models.Model):
    """Cases by county, town/street (the first three segments of the place path) and
    status, with the sweep's flags: the live counts, the red cards, the town breakdown."""

    county_code = models.CharField(max_length=6)
    area_path = models.CharField(max_length=255)
    status = models.CharField(max_length=32)
    flags = models.PositiveSmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "状态计数"
        verbose_name_plural = "状态计数"
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "area_path", "status", "flags"], name="tally_state_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_path} {self.status} {self.flags}: {self.n}"


class WeekTally(models.Model):
    """Cases raised per county, week (its Monday, Asia/Shanghai) and category."""

    county_code = models.CharField(max_length=6)
    week = models.DateField()
    category_id = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "周分类计数"
        verbose_name_plural = "周分类计数"
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "week", "category_id"], name="tally_week_key"
            )
        ]
        indexes = [models.Index(fields=["week", "county_code"], name="tally_week_city")]

    def __str__(self) -> str:
        return f"{self.week} {self.category_id}: {self.n}"


class MonthTally(models.Model):
    """Cases raised per county and month (its first day, Asia/Shanghai) by every column
    the 三率 look at: the numerators and denominators of ``cases.measures``."""

    county_code = models.CharField(max_length=6)
    month = models.DateField()
    status = models.CharField(max_length=32)
    responded_on_time = models.SmallIntegerField()  # -1 / 0 / 1
    resolved_on_time = models.SmallIntegerField()  # -1 / 0 / 1
    satisfaction = models.CharField(max_length=16)
    resolved_rung = models.PositiveSmallIntegerField()  # 0: not resolved
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "月度指标计数"
        verbose_name_plural = "月度指标计数"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "county_code",
                    "month",
                    "status",
                    "responded_on_time",
                    "resolved_on_time",
                    "satisfaction",
                    "resolved_rung",
                ],
                name="tally_month_key",
            )
        ]
        indexes = [models.Index(fields=["month", "county_code"], name="tally_month_city")]

    def __str__(self) -> str:
        return f"{self.month} {self.status}: {self.n}"


class MonthCategoryTally(models.Model):
    """Cases raised per county, month and category by status and resolving rung. Keyed
    by category (not by its "dispute" flag) so an admin may re-flag a category and the
    dispute figure still counts exactly: readers pick the dispute categories' rows."""

    county_code = models.CharField(max_length=6)
    month = models.DateField()
    category_id = models.IntegerField()
    status = models.CharField(max_length=32)
    resolved_rung = models.PositiveSmallIntegerField()  # 0: not resolved
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "月度分类计数"
        verbose_name_plural = "月度分类计数"
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "month", "category_id", "status", "resolved_rung"],
                name="tally_month_category_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["month", "category_id", "county_code"], name="tally_month_cat_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.category_id} {self.status}: {self.n}"


class DueDayTally(models.Model):
    """Cases whose resolution clock runs (``CLOCK_STATUSES``) by county and the day
    (Asia/Shanghai) of their resolution deadline. The overdue count (``overdue.py``) sums
    the days before today from here and counts only today's deadlines live. A case moves
    between days when its deadline changes and leaves when its clock stops."""

    county_code = models.CharField(max_length=6)
    due_day = models.DateField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "到期日计数"
        verbose_name_plural = "到期日计数"
        constraints = [
            models.UniqueConstraint(fields=["county_code", "due_day"], name="tally_due_day_key")
        ]
        indexes = [models.Index(fields=["due_day", "county_code"], name="tally_due_day_city")]

    def __str__(self) -> str:
        return f"{self.county_code} {self.due_day}: {self.n}"


class GridOpenTally(models.Model):
    """Open cases (``OPEN_STATUSES``) by county and grid: the grid load tables, read in index
    order (a county's busiest grids first)."""

    county_code = models.CharField(max_length=6)
    grid_id = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "网格在办计数"
        verbose_name_plural = "网格在办计数"
        constraints = [
            models.UniqueConstraint(fields=["county_code", "grid_id"], name="tally_grid_open_key")
        ]
        indexes = [
            models.Index(fields=["county_code", "-n", "grid_id"], name="tally_grid_open_top")
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.grid_id}: {self.n}"


class DepartmentOpenTally(models.Model):
    """Open cases (``OPEN_STATUSES``) by county and handling department: the department
    load table."""

    county_code = models.CharField(max_length=6)
    department_id = models.IntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "部门在办计数"
        verbose_name_plural = "部门在办计数"
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "department_id"], name="tally_department_open_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["county_code", "-n", "department_id"], name="tally_department_open_top"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_code} {self.department_id}: {self.n}"


TALLY_MODELS: tuple[type[models.Model], ...] = (
    StateTally,
    WeekTally,
    MonthTally,
    MonthCategoryTally,
    DueDayTally,
    GridOpenTally,
    DepartmentOpenTally,
)
