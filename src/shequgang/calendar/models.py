"""What an administrator adds to the statutory calendar: single days that differ from it,
and, per year, whether the State Council's holiday schedule has been typed in."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class CalendarOverride(models.Model):
    """One day whose status is set by hand. It wins over the library and over the law's
    holidays and weekends: a holiday on a weekday (``is_workday=False``) or an adjusted weekend workday
    (调休上班, ``is_workday=True``)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "上班", help_text="勾选：当天上班（如周末调休上班）；不勾选：当天放假"
    )
    name = models.CharField("名称", max_length=50, help_text="如“2027年春节”“国庆节调休上班”")
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "日历调整"
        verbose_name_plural = "日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{'上班' if self.is_workday else '放假'}）"


class CalendarYear(models.Model):
    """A year whose official schedule an administrator has entered as overrides. For a year
    the library does not cover, this silences the "not yet entered" warning; the working
    days themselves still come from the law's holidays and weekends plus the overrides."""

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    schedule_entered = models.BooleanField(
        "已录入全年安排", default=False, help_text="国务院办公厅通知的放假和调休日期已全部录入"
    )
    source = models.CharField("依据", max_length=200, blank=True, help_text="如通知文号")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "年度节假日安排"
        verbose_name_plural = "年度节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年（{'已录入' if self.schedule_entered else '未录入'}）"
