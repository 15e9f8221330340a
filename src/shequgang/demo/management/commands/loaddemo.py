"""``shequgang loaddemo [--if-empty] [--scale small|city] [--seed N]``: build the demo city
of 吕梁 with its residents, grids, departments and the demo accounts of README.md."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequgang.demo.builder import SCALES, DemoNotEmpty, DemoSummary, demo_load
from shequgang.demo.staff import DEMO_PASSWORD
from shequgang.places.models import Kind, ManagementMode


class Command(BaseCommand):
    help = "载入演示城市吕梁（地点、居民、网格、部门和演示账号）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有地点时什么也不做（make run 用它）",
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="small",
            help="small：几十个小区，几秒载完（默认）；city：全市2096个小区",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子，相同种子生成相同数据")
        parser.add_argument(
            "--without-history",
            action="store_true",
            help="只建城市、居民、网格和账号，不生成近半年的事项、议事、巡查等经历（测试用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo accounts have a published password: never on a production database.
        if not (settings.DEMO_MODE or settings.DEBUG or settings.TESTING):
            raise CommandError("演示数据只能在演示或开发模式下载入（设置 SHEQUGANG_DEMO=1）。")
        started = time.perf_counter()
        try:
            summary = demo_load(
                scale=options["scale"],
                seed=options["seed"],
                history=not options["without_history"],
            )
        except DemoNotEmpty:
            if options["if_empty"]:
                self.stdout.write("数据库中已有数据，跳过演示数据。")
                return
            raise CommandError(
                "数据库中已有地点或演示账号，不会重复载入。请换一个空数据库"
                "（或用 --if-empty 在非空时跳过）。"
            ) from None
        self.stdout.write(_report(summary, time.perf_counter() - started))


def _report(summary: DemoSummary, seconds: float) -> str:
    places = summary.places
    modes = summary.compounds_by_mode
    lines = [
        f"吕梁演示数据已载入（规模 {summary.scale}，种子 {summary.seed}，用时 {seconds:.1f} 秒）：",
        f"  县（市、区）  {places.get(Kind.COUNTY, 0):>8,}",
        f"  乡镇/街道     {places.get(Kind.TOWN, 0):>8,}",
        f"  社区/村       {places.get(Kind.COMMUNITY, 0):>8,}",
        f"  小区          {places.get(Kind.COMPOUND, 0):>8,}（"
        + "、".join(
            f"{mode.label} {modes.get(mode, 0):,}" for mode in ManagementMode if mode in modes
        )
        + "）",
        f"  楼栋          {places.get(Kind.BUILDING, 0):>8,}",
        f"  单元          {places.get(Kind.UNIT, 0):>8,}",
        f"  户            {places.get(Kind.HOUSEHOLD, 0):>8,}",
        f"  居民          {summary.residents:>8,}",
        f"  网格          {summary.grids:>8,}",
        f"  部门          {summary.departments:>8,}",
        f"  事项          {summary.cases:>8,}（近半年，经各环节办理）",
        f"  巡查          {summary.patrols:>8,}（含定位轨迹）",
        f"  演示账号      {summary.accounts:>8,}（密码 {DEMO_PASSWORD}）",
    ]
    return "\n".join(lines)
