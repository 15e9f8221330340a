"""The demo's cases as stories: a showcase of every state on every rung in the last days
(so each queue has something waiting today), and months of ordinary work before it,
generated from a seed (closed cases, most resolved low on the ladder).

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


def _place(*names: str) -> Place:
    place = place_by_names(*names)
    assert place is not None, names
    return place


def home(building: int, unit: int, room: str) -> Place:
    return _place(*BINDONG, f"{building}号楼", f"{unit}单元", room)


def building(n: int) -> Place:
    return _place(*BINDONG, f"{n}号楼")


def rate(hours: float, satisfaction: str = "satisfied", comment: str = "") -> Step:
    solved = satisfaction != "unsatisfied"
    params = {"solved": solved, "satisfaction": satisfaction, "comment": comment}
    return Step(hours, "rate", WORKER, params)


def resolve(hours: float, text: str, photo: bool = False) -> Step:
    return Step(hours, "resolve", params={"text": text, "photo": photo})


def _dispatched(to: str = "城管局") -> list[Step]:
    """The community dispatches, the department signs and reports, the grid verifies."""
    return [
        Step(1, "ack"),
        Step(2, "dispatch", WORKER, {"to": to, "reason": "需职能部门处置"}),
        Step(5, "ack"),
    ]


def showcase(now: dt.datetime) -> dict[str, Story]:
    """Cases still moving today: one for each state and rung the demo accounts meet."""
    h = dt.timedelta(hours=1)

    def story(key: str, hours_ago: float, category: str, place: Place, title: str, **kw: object):
        raiser = str(kw.pop("raiser", WORKER))
        source = str(kw.pop("source", Source.HOTLINE if raiser == WORKER else Source.GRID_PATROL))
        steps = kw.pop("steps", [])
        return key, Story(
            raised_at=now - hours_ago * h,
            category=category,
            place=place,
            title=title,
            raiser=raiser,
            source=source,
            raiser_name=str(kw.pop("raiser_name", "")),
            description=str(kw.pop("description", "")),
            steps=list(steps),  # type: ignore[call-overload]
        )

    rows = [
        # 党员中心户 (rung 1): waiting, and signed for.
        story(
            "central_new",
            3,
            "noise",
            home(1, 1, "302"),
            "楼上夜间装修噪音",
            raiser_name="刘桂芳",
            description="晚上十点后还在电钻施工，老人休息不好。",
        ),
        story(
            "central_acked",
            20,
            "pets",
            home(1, 2, "201"),
            "邻居家狗叫扰民",
            raiser_name="陈玉兰",
            steps=[Step(2, "ack")],
        ),
        # 党小组 (rung 2): in progress; escalated to the branch.
        story(
            "group_progress",
            26,
            "stairwell_light",
            building(1),
            "1号楼2单元楼道灯不亮",
            raiser=GRID,
            steps=[Step(1, "ack"), Step(3, "start")],
        ),
        story(
            "group_escalated",
            50,
            "building_door",
            building(1),
            "1号楼3单元门禁损坏",
            raiser_name="王建华",
            steps=[
                Step(2, "ack"),
                Step(5, "escalate", params={"reason": "门禁需小区统一更换，超出楼栋能力"}),
                Step(8, "ack"),
            ],
        ),
        # 党小组 returns a case that is not the building's (退回, waits for re-routing).
        story(
            "ladder_returned",
            22,
            "stairwell_clutter",
            building(1),
            "楼道里电动车充电",
            raiser=GRID,
            steps=[
                Step(3, "return", params={"reason": "属电动车违规充电，请社区改类后派给消防力量"})
            ],
        ),
        # 小区党支部 (rung 3): extended and under 督办; cards from the sweep.
        story(
            "branch_extended",
            9 * 24,
            "roof_leak",
            home(1, 1, "602"),
            "顶层屋面漏水",
            raiser_name="郝秀英",
            steps=[
                Step(3, "ack"),
                Step(5, "start"),
                Step(72, "extend", params={"days": 5, "reason": "需业主表决使用维修资金"}),
                Step(80, "decide", WORKER, {"approve": True, "reason": "同意延期"}),
                Step(
                    100, "supervise", "chengdong_secretary", {"reason": "请在延期内完成表决并施工"}
                ),
            ],
        ),
        *[
            story(
                f"sanitation_{days}",
                days * 24,
                "compound_sanitation",
                building(b),
                f"{b}号楼门前垃圾清运不及时",
                raiser=GRID if b <= 4 else WORKER,
                steps=[Step(2, "ack")],
            )
            for days, b in ((1, 2), (2, 3), (3, 5), (4, 6), (8, 7))
        ],
        # 社区 (rung 4): dispatched to 城管局 (waiting, signed), back for verification,
        # handed back by the department, asked for the command centre, 挂账.
        story(
            "dispatch_waiting",
            5,
            "drainage",
            building(4),
            "4号楼北侧雨水井堵塞",
            steps=[Step(1, "ack"), Step(2, "dispatch", WORKER, {"to": "城管局"})],
        ),
        story(
            "dispatch_signed",
            48,
            "street_light",
            building(3),
            "3号楼旁路灯不亮",
            raiser=GRID,
            steps=_dispatched(),
        ),
        story(
            "verifying",
            72,
            "public_sanitation",
            building(2),
            "小区东门外垃圾堆放",
            raiser=GRID,
            steps=[
                *_dispatched(),
                Step(30, "report", params={"text": "已组织环卫清运并设置提示牌"}),
            ],
        ),
        story(
            "dept_handed_back",
            46,
            "road_damage",
            building(4),
            "4号楼前路面塌陷",
            steps=[
                *_dispatched(),
                Step(8, "hand_back", "lishi_cgj", {"reason": "道路破损归住建部门管理"}),
            ],
        ),
        story(
            "to_command",
            30,
            "illegal_construction",
            building(2),
            "2号楼一层违建",
            raiser=GRID,
            steps=[
                Step(1, "ack"),
                Step(3, "request_dispatch", WORKER, {"reason": "需执法部门处置"}),
            ],
        ),
        story(
            "on_hold",
            20 * 24,
            "road_damage",
            _place(*CHENGDONG, "城东供销社家属院"),
            "家属院内道路坑洼",
            steps=[
                Step(2, "ack"),
                Step(48, "hold", params={"reason": "已列入明年老旧小区改造计划，届时统一修缮"}),
            ],
        ),
        # A streetlight reported twice: the second merged into the first.
        story(
            "light_first",
            40,
            "street_light",
            building(1),
            "1号楼前路灯不亮",
            raiser=GRID,
            steps=[Step(1, "ack")],
        ),
        story(
            "light_second",
            30,
            "street_light",
            building(1),
            "1号楼门口路灯坏了",
            raiser_name="赵丽",
            steps=[Step(2, "merge", WORKER, {"into": "light_first", "reason": "同一盏路灯"})],
        ),
        # Resolved yesterday, waiting for the raiser's rating (回访).
        story(
            "awaiting_rating",
            40,
            "stairwell_clutter",
            building(1),
            "1号楼1单元楼道堆放杂物",
            raiser=GRID,
            steps=[Step(1, "ack"), resolve(18, "已协调住户清理", photo=True)],
        ),
        # An unhappy rating, handled again.
        story(
            "reopened",
            6 * 24,
            "leak_between_floors",
            home(1, 1, "402"),
            "楼上卫生间漏水到我家",
            raiser_name="孟凡荣",
            steps=[
                Step(2, "ack"),
                resolve(20, "已协调楼上住户修补防水"),
                rate(40, "unsatisfied", "还在渗水"),
                Step(44, "start"),
            ],
        ),
        # 建昌社区 (汾阳市): the secretary's own queue.
        story(
            "jianchang_new",
            4,
            "compound_sanitation",
            _place(*JIANCHANG, "昌瑞绿洲小区"),
            "小区垃圾站异味",
            raiser="jianchang_secretary",
            source=Source.STAFF,
            raiser_name="李凤英",
        ),
        story(
            "jianchang_acked",
            30,
            "parking",
            _place(*JIANCHANG, "建昌小区"),
            "小区停车位不够",
            raiser="jianchang_secretary",
            source=Source.STAFF,
            raiser_name="张建平",
            steps=[Step(2, "ack")],
        ),
    ]
    return dict(rows)


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
            *_dispatched(),
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
    rooms = [
        home(b, u, f"{fl}0{p}") for b in (1,) for u in (1, 2, 3) for fl in (1, 3, 5) for p in (1, 2)
    ]
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
            place = building(1)
        else:
            place = building(rng.randint(1, 4))
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
