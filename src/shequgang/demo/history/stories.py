"""The demo's cases as stories: months of ordinary work, generated from a seed (closed
cases, most resolved low on the ladder), and the places and steps the showcase
(``showcase.py``) shares.

Places are named below 城东社区 (离石区 滨河街道) and 建昌社区 (汾阳市 太和桥街道), where
the demo accounts work. Hours are after the case was raised; the holder of the moment
acts unless a step names someone."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from shequgang.cases.models import Source
from shequgang.demo.history.cases import Step, Story
from shequgang.places.models import Place
from shequgang.places.selectors import place_by_names

CHENGDONG = ("离石区", "滨河街道", "城东社区")
BINDONG = (*CHENGDONG, "滨东花园小区")
JIANCHANG = ("汾阳市", "太和桥街道", "建昌社区")

WORKER = "chengdong_worker"  # records phone calls and the follow-up (回访) ratings
GRID = "chengdong_grid1"


def place(*names: str) -> Place:
    place = place_by_names(*names)
    assert place is not None, names
    return place


def home(building: int, unit: int, room: str) -> Place:
    return place(*BINDONG, f"{building}号楼", f"{unit}单元", room)


def building(n: int) -> Place:
    return place(*BINDONG, f"{n}号楼")


def rate(hours: float, satisfaction: str = "satisfied", comment: str = "") -> Step:
    solved = satisfaction != "unsatisfied"
    params = {"solved": solved, "satisfaction": satisfaction, "comment": comment}
    return Step(hours, "rate", WORKER, params)


def resolve(hours: float, text: str, photo: bool = False) -> Step:
    return Step(hours, "resolve", params={"text": text, "photo": photo})


def dispatched(to: str = "城管局") -> list[Step]:
    """The community dispatches, the department signs and reports, the grid verifies."""
    return [
        Step(1, "ack"),
        Step(2, "dispatch", WORKER, {"to": to, "reason": "需职能部门处置"}),
        Step(5, "ack"),
    ]


# --- Months of ordinary work --------------------------------------------------------------

_TEXTS = {
    "neighbour_dispute": ["邻居占用公共过道", "晾衣杆伸到邻居窗前"],
    "noise": ["楼上孩子跑跳噪音", "广场舞音响太大"],
    "pets": ["楼道里有狗粪", "邻居养鸡扰民"],
    "leak_between_floors": ["楼上漏水到我家厨房", "空调冷凝水滴到阳台"],
    "stairwell_light": ["楼道声控灯不亮", "单元门口灯坏了"],
    "stairwell_clutter": ["楼道堆放纸箱", "楼道里放旧家具"],
    "building_door": ["单元门关不上", "门禁刷卡没反应"],
    "compound_sanitation": ["垃圾桶满了没人清", "小区草坪有垃圾"],
    "compound_greening": ["树枝挡住窗户", "绿化带杂草丛生"],
    "property_service": ["物业维修不及时", "物业收费不公示"],
    "street_light": ["小区外路灯不亮", "路口路灯闪烁"],
    "public_sanitation": ["路边垃圾堆积", "公厕无人打扫"],
    "drainage": ["下雨积水严重", "下水道反味"],
}
# (fate, categories, weight): what usually happens to a case of these categories.
_FATES: list[tuple[str, tuple[str, ...], int]] = [
    ("central", ("neighbour_dispute", "noise", "pets", "leak_between_floors"), 28),
    ("group", ("stairwell_light", "stairwell_clutter", "building_door"), 24),
    ("group_escalate", ("building_door", "stairwell_clutter"), 8),
    ("branch", ("compound_sanitation", "compound_greening", "property_service"), 16),
    ("dispatch", ("street_light", "public_sanitation", "drainage"), 10),
    ("return_reroute", ("stairwell_light",), 3),
    ("auto_close", ("stairwell_light", "compound_greening"), 5),
    ("unhappy", ("noise", "stairwell_clutter"), 4),
    ("late", ("compound_sanitation",), 2),
]


def _fate_steps(fate: str, rng: random.Random) -> list[Step]:
    ack = rng.uniform(0.5, 6)
    done = ack + rng.uniform(4, 40)
    later = done + rng.uniform(12, 48)
    satisfaction = rng.choices(["satisfied", "basic"], [85, 15])[0]
    plans: dict[str, Callable[[], list[Step]]] = {
        "central": lambda: [
            Step(ack, "ack"),
            resolve(done, "已上门协调，双方达成一致"),
            rate(later, satisfaction),
        ],
        "group": lambda: [
            Step(ack, "ack"),
            resolve(done, "党小组已组织处理"),
            rate(later, satisfaction),
        ],
        "group_escalate": lambda: [
            Step(ack, "ack"),
            Step(ack + 2, "escalate", params={"reason": "需小区统一处理"}),
            Step(ack + 5, "ack"),
            resolve(done + 8, "支部协调物业处理完毕", photo=True),
            rate(later + 8, satisfaction),
        ],
        "branch": lambda: [
            Step(ack, "ack"),
            resolve(done, "支部协调物业已处理", photo=True),
            rate(later, satisfaction),
        ],
        "dispatch": lambda: [
            *dispatched(),
            Step(done + 6, "report", params={"text": "已处置完毕"}),
            Step(done + 9, "verify", GRID, {"text": "现场核查已整改"}),
            rate(later + 9, satisfaction),
        ],
        "return_reroute": lambda: [
            Step(ack, "return", params={"reason": "属小区公共照明，非楼栋事务"}),
            Step(ack + 2, "reroute", WORKER, {"rung": 4, "reason": "改由社区办理"}),
            Step(ack + 3, "ack"),
            resolve(done + 3, "社区已联系电工更换"),
            rate(later + 3, satisfaction),
        ],
        "auto_close": lambda: [Step(ack, "ack"), resolve(done, "已处理")],
        "unhappy": lambda: [
            Step(ack, "ack"),
            resolve(done, "已处理"),
            rate(done + 10, "unsatisfied", "问题仍在"),
            Step(done + 12, "start"),
            resolve(done + 30, "再次上门，彻底解决"),
            rate(done + 50, "satisfied"),
        ],
        # Nobody acts in time: the sweep's red card takes it up a rung, where it is done.
        "late": lambda: [
            Step(ack, "ack"),
            Step(24 * 9, "ack"),
            resolve(24 * 9 + 6, "社区督促物业清运完毕"),
            rate(24 * 10, "basic"),
        ],
    }
    return plans[fate]()


def background(
    *, start: dt.datetime, end: dt.datetime, count: int, rng: random.Random
) -> dict[str, Story]:
    """``count`` cases raised between ``start`` and ``end`` (well before today, so they
    have run their course), at places of 滨东花园 that fit their rung."""
    fates, weights = zip(*[(f, w) for f, _c, w in _FATES], strict=True)
    categories = {f: c for f, c, _w in _FATES}
    # One lookup per place, not one per case.
    rooms = [home(1, u, f"{fl}0{p}") for u in (1, 2, 3) for fl in (1, 3, 5) for p in (1, 2)]
    blocks = {n: building(n) for n in range(1, 5)}
    span = (end - start).total_seconds()
    out = {}
    for i in range(count):
        fate = rng.choices(fates, weights)[0]
        category = rng.choice(categories[fate])
        local = start + dt.timedelta(seconds=rng.uniform(0, span))
        # Raised in the daytime, Beijing time (UTC+8): 08:00-20:00 is 00:00-12:00 UTC.
        raised = local.replace(hour=rng.randint(0, 11), minute=rng.randint(0, 59))
        if fate in ("central", "unhappy") and category in _TEXTS:
            place = rng.choice(rooms)
        elif fate in ("group", "group_escalate", "return_reroute", "auto_close"):
            place = blocks[1]
        else:
            place = blocks[rng.randint(1, 4)]
        raiser = rng.choice([WORKER, GRID])
        out[f"bg{i}"] = Story(
            raised_at=raised,
            category=category,
            place=place,
            title=rng.choice(_TEXTS.get(category, ["小区问题"])),
            raiser=raiser,
            source=Source.HOTLINE if raiser == WORKER else Source.GRID_PATROL,
            raiser_name="居民来电" if raiser == WORKER else "",
            steps=_fate_steps(fate, rng),
        )
    return out
