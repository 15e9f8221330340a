"""The showcase: cases still moving today, one for each state and rung the demo accounts
meet in their queues (raised in the last days, or left waiting on purpose)."""

from __future__ import annotations

import datetime as dt

from shequgang.cases.models import Source
from shequgang.demo.history.cases import Step, Story
from shequgang.demo.history.stories import (
    CHENGDONG,
    GRID,
    JIANCHANG,
    WORKER,
    building,
    dispatched,
    home,
    place,
    rate,
    resolve,
)
from shequgang.places.models import Place


def showcase(now: dt.datetime) -> dict[str, Story]:
    """Cases still moving today: one for each state and rung the demo accounts meet."""
    h = dt.timedelta(hours=1)

    def story(
        key: str, hours_ago: float, category: str, place: Place, title: str, **kw: object
    ) -> tuple[str, Story]:
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
            for days, b in ((1, 2), (2, 3), (3, 5), (4, 6), (5, 3), (6, 2), (8, 7))
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
            steps=dispatched(),
        ),
        story(
            "verifying",
            72,
            "public_sanitation",
            building(2),
            "小区东门外垃圾堆放",
            raiser=GRID,
            steps=[
                *dispatched(),
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
                *dispatched(),
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
            place(*CHENGDONG, "城东供销社家属院"),
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
            ],
        ),
        # 建昌社区 (汾阳市): the secretary's own queue.
        story(
            "jianchang_new",
            4,
            "compound_sanitation",
            place(*JIANCHANG, "昌瑞绿洲小区"),
            "小区垃圾站异味",
            raiser="jianchang_secretary",
            source=Source.STAFF,
            raiser_name="李凤英",
        ),
        story(
            "jianchang_acked",
            30,
            "parking",
            place(*JIANCHANG, "建昌小区"),
            "小区停车位不够",
            raiser="jianchang_secretary",
            source=Source.STAFF,
            raiser_name="张建平",
            steps=[Step(2, "ack")],
        ),
        # 城管局 signed for it twelve days ago and has not reported: overdue at the top.
        story(
            "dept_overdue",
            12 * 24,
            "drainage",
            building(3),
            "3号楼后排水沟堵塞",
            raiser=GRID,
            steps=dispatched(),
        ),
        # A lift fault nobody signed for within its four hours: 超时未签收.
        story("ack_late", 10, "lift", building(2), "2号楼电梯停运", raiser_name="孙慧敏"),
        # The community takes a street-vending case up to 滨河街道, where it waits.
        story(
            "to_town",
            28,
            "street_vending",
            building(4),
            "小区北门外早市占道经营",
            raiser="lishi_command",
            source=Source.HOTLINE,
            raiser_name="12345热线来电",
            steps=[
                Step(1, "ack"),
                Step(4, "escalate", params={"reason": "涉及多个小区门口，需街道统筹执法力量"}),
            ],
        ),
        # Staff are neighbours too: what they reported themselves, and how it ended.
        story(
            "group_leader_report",
            20 * 24,
            "compound_greening",
            building(2),
            "2号楼前树枝遮挡路灯",
            raiser="bindong_group1",
            source=Source.RESIDENT,
            steps=[Step(2, "ack"), resolve(30, "已请物业修剪树枝"), rate(60)],
        ),
        story(
            "central_report",
            12 * 24,
            "compound_sanitation",
            building(3),
            "3号楼垃圾桶破损",
            raiser="bindong_central",
            source=Source.RESIDENT,
            steps=[Step(3, "ack"), resolve(26, "物业已更换新垃圾桶", photo=True), rate(50)],
        ),
        story(
            "branch_report",
            15 * 24,
            "street_light",
            building(2),
            "2号楼东侧路灯不亮",
            raiser="bindong_branch",
            source=Source.RESIDENT,
            steps=[
                *dispatched(),
                Step(20, "report", params={"text": "已更换灯具"}),
                Step(26, "verify", GRID, {"text": "夜间复查灯已亮"}),
                rate(50),
            ],
        ),
        story(
            "binhe_report",
            25 * 24,
            "drainage",
            building(3),
            "3号楼南侧雨后积水",
            raiser="binhe_staff",
            source=Source.STAFF,
            raiser_name="街道巡查",
            steps=[
                *dispatched(),
                Step(30, "report", params={"text": "已疏通雨水管道"}),
                Step(34, "verify", GRID, {"text": "现场核查已无积水"}),
                rate(60, "basic"),
            ],
        ),
        story(
            "secretary_report",
            30 * 24,
            "compound_sanitation",
            place(*CHENGDONG, "东城名苑"),
            "东城名苑地下车库垃圾堆积",
            raiser="chengdong_secretary",
            source=Source.STAFF,
            steps=[Step(2, "ack"), resolve(28, "已督促业委会组织清理"), rate(60)],
        ),
    ]
    return dict(rows)
