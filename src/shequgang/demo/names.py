"""Synthetic Chinese names for the demo city: people, communities, compounds and property
companies. Every choice comes from the ``random.Random`` passed in, so a seed gives the same
city every time."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Sequence

# Common surnames, weighted towards those frequent in Shanxi (王, 张, 李, 刘, 郭, 杨, 武 …).
_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 90),
    ("张", 70),
    ("李", 70),
    ("刘", 60),
    ("郭", 40),
    ("杨", 35),
    ("赵", 30),
    ("武", 25),
    ("高", 25),
    ("冯", 20),
    ("任", 18),
    ("贾", 18),
    ("薛", 15),
    ("白", 15),
    ("田", 15),
    ("曹", 14),
    ("梁", 14),
    ("霍", 12),
    ("成", 10),
    ("韩", 12),
    ("孟", 10),
    ("乔", 10),
    ("温", 10),
    ("阎", 10),
    ("卫", 8),
    ("秦", 8),
    ("郝", 12),
    ("段", 8),
    ("牛", 8),
    ("渠", 5),
    ("陈", 20),
    ("马", 15),
    ("孙", 14),
    ("周", 12),
    ("吴", 10),
    ("胡", 10),
    ("宋", 10),
    ("康", 8),
    ("苏", 8),
    ("闫", 10),
)
_SURNAME_WORDS = tuple(s for s, _ in _SURNAMES)
_SURNAME_WEIGHTS = tuple(w for _, w in _SURNAMES)

# Given names by generation: born before 1960, 1960-1989, 1990 on.
_GIVEN: dict[tuple[str, str], tuple[str, ...]] = {
    ("old", "M"): (
        "建国", "国庆", "志刚", "德明", "福生", "保平", "有才", "玉堂", "振华", "文斌",
        "根柱", "满仓", "双喜", "树林", "永明", "长青", "守义", "怀仁", "金山", "继红",
    ),
    ("old", "F"): (
        "秀英", "桂兰", "玉兰", "凤英", "淑珍", "素梅", "翠花", "金凤", "彩霞", "秀珍",
        "桂芳", "月娥", "改莲", "润梅", "爱珍", "兰英", "巧云", "银花", "冬梅", "玉梅",
    ),
    ("mid", "M"): (
        "伟", "强", "军", "勇", "磊", "涛", "斌", "鹏", "海军", "建军",
        "志强", "晓东", "俊峰", "永亮", "利平", "宏伟", "文杰", "小龙", "海鹏", "晋生",
    ),
    ("mid", "F"): (
        "丽", "娜", "静", "敏", "燕", "芳", "丽华", "晓燕", "海燕", "红霞",
        "慧芳", "丽娟", "晓丽", "艳红", "美玲", "建芳", "雪梅", "晓霞", "瑞芳", "俊英",
    ),
    ("young", "M"): (
        "浩然", "子轩", "宇航", "梓豪", "俊熙", "博文", "一鸣", "子墨", "皓轩", "思远",
        "嘉豪", "天佑", "明哲", "晨阳", "奕辰", "泽宇", "浩宇", "家乐", "宇", "睿",
    ),
    ("young", "F"): (
        "欣怡", "子涵", "梓萱", "诗琪", "雨桐", "可欣", "佳怡", "思雨", "一诺", "语嫣",
        "梦瑶", "若曦", "欣妍", "婉清", "雅琪", "晨曦", "悦", "萱", "馨月", "乐瑶",
    ),
}  # fmt: skip


def surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_WORDS, weights=_SURNAME_WEIGHTS)[0]


def given_name(rng: random.Random, *, birth_year: int, sex: str) -> str:
    era = "old" if birth_year < 1960 else "mid" if birth_year < 1990 else "young"
    return rng.choice(_GIVEN[(era, sex)])


# --- Places -------------------------------------------------------------------------------

_COMMUNITY_WORDS = (
    "东关", "西关", "南关", "北关", "新华", "建设", "育才", "文化", "朝阳", "龙山",
    "凤鸣", "和平", "幸福", "康宁", "光明", "胜利", "团结", "红旗", "新建", "向阳",
    "府前", "学府", "站前", "滨湖", "永宁", "长治", "惠民", "兴华", "安居", "锦华",
    "丰泽", "瑞丰", "春晖", "东升", "桥东", "桥西", "北街", "南街", "馨园", "秀水",
)  # fmt: skip

_COMPOUND_HEADS = (
    "锦绣", "翠湖", "阳光", "金地", "和谐", "御景", "滨河", "凤凰", "龙城", "盛世",
    "书香", "康馨", "丽景", "怡园", "紫荆", "嘉禾", "馨苑", "华府", "名都", "世纪",
    "泰和", "恒安", "金色", "香榭", "碧水", "蓝湾", "瑞景", "新城", "福泽", "鑫源",
    "佳和", "吉祥", "东方", "汇丰", "青年", "锦程", "银座", "天誉", "宏远", "安泰",
)  # fmt: skip
_COMPOUND_TAILS = ("花园", "家园", "小区", "苑", "新村", "华庭", "雅居", "公馆", "名苑", "佳苑")

# Old work-unit compounds (单位家属院): most of the self-managed ones.
_WORK_UNITS = (
    "供电局", "粮食局", "交通局", "邮电局", "税务局", "卫生局", "教育局", "林业局", "煤炭局",
    "商业局", "物资局", "农机厂", "化肥厂", "纺织厂", "机械厂", "建筑公司", "供销社", "人民医院",
    "第一中学", "第二中学", "财政局", "公路段", "工商局", "气象局", "棉麻公司", "百货公司",
    "食品公司", "运输公司", "地质队", "电力公司",
)  # fmt: skip
_WORK_UNIT_TAILS = ("家属院", "宿舍", "家属楼", "生活区")

_COMPANY_WORDS = ("安居", "宏达", "鑫安", "祥和", "恒信", "锦程", "德馨", "瑞华", "众和", "吉泰")


class UniqueNames:
    """Hands out names not handed out before."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = set(taken)

    def take(self, name: str) -> bool:
        if name in self._taken:
            return False
        self._taken.add(name)
        return True

    def pick(
        self, rng: random.Random, candidates: Sequence[str], numbered: Callable[[int], str]
    ) -> str:
        """An unused candidate chosen at random, else the first unused ``numbered(2, 3 …)``."""
        for name in rng.sample(list(candidates), len(candidates)):
            if self.take(name):
                return name
        for number in itertools.count(2):
            if self.take(name := numbered(number)):
                return name
        raise AssertionError("unreachable")


def community_name(rng: random.Random, names: UniqueNames) -> str:
    word = rng.choice(_COMMUNITY_WORDS)
    return names.pick(
        rng, [f"{w}社区" for w in _COMMUNITY_WORDS], lambda n: f"{word}{chinese_ordinal(n)}社区"
    )


def compound_name(rng: random.Random, names: UniqueNames, *, work_unit: bool) -> str:
    """A compound name; a later phase (二期, 三期 …) once the plain ones are used up."""
    if work_unit:
        unit = rng.choice(_WORK_UNITS)
        base, tails = f"{unit}家属院", _WORK_UNIT_TAILS
        candidates = [f"{unit}{t}" for t in tails]
    else:
        head = rng.choice(_COMPOUND_HEADS)
        base = f"{head}花园"
        candidates = [f"{head}{t}" for t in _COMPOUND_TAILS]
    return names.pick(rng, candidates, lambda n: f"{base}{_phase(n)}期")


def property_company(rng: random.Random, county: str) -> str:
    return f"{county[:2]}{rng.choice(_COMPANY_WORDS)}物业服务有限公司"


def _phase(number: int) -> str:
    return chinese_ordinal(number) if number < 100 else str(number)


_CHINESE_DIGITS = "〇一二三四五六七八九"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99), for 第一网格 …"""
    if not 1 <= number <= 99:
        raise ValueError("only 1..99")
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else "十" if tens == 1 else f"{_CHINESE_DIGITS[tens]}十"
    return head + (_CHINESE_DIGITS[ones] if ones else "")
