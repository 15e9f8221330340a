"""``shequgang calendar_import FILE``: enter a year's holiday schedule from a schedule file
(format: ``shequgang.calendar.schedule_file``). All or nothing; repeating it changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequgang.calendar.services import calendar_schedule_import
from shequgang.errors import DomainError


class Command(BaseCommand):
    help = "Import a year's holidays and 调休 workdays from a schedule file (UTF-8)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取{path}：{exc}") from exc
        try:
            result = calendar_schedule_import(actor=None, text=text)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{result.year}年安排已导入：新增{result.created}天，修改{result.changed}天，"
            f"未变{result.unchanged}天；该年另有{result.kept}条日历调整未改动。"
        )
