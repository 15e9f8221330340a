"""The default categories a Chinese city starts with (loaded by a migration; admins edit
them afterwards). Rungs: 1 central household, 2 party group, 3 branch, 4 community,
5 town/street, 6 department. ``department`` is matched against department names in the
case's county."""

# (大类 code, 大类 name, [(code, name, start rung, department, ack hours, resolve days,
#   needs deliberation, is dispute)])
DEFAULT_CATEGORIES = [
    (
        "neighbour",
        "邻里矛盾",
        [
            ("neighbour_dispute", "邻里纠纷", 1, "", 24, 5, False, True),
            ("noise", "噪音扰民", 1, "公安", 24, 3, False, True),
            ("pets", "宠物扰民", 1, "", 24, 3, False, True),
            ("leak_between_floors", "楼上楼下漏水", 1, "", 24, 5, False, True),
            ("family_dispute", "家庭矛盾", 1, "民政", 24, 5, False, True),
        ],
    ),
    (
        "building",
        "楼栋公共事务",
        [
            ("stairwell_light", "楼道照明", 2, "", 24, 3, False, False),
            ("stairwell_clutter", "楼道堆物", 2, "", 24, 3, False, False),
            ("building_door", "单元门禁损坏", 2, "", 24, 5, False, False),
            ("roof_leak", "屋面漏水", 3, "住房和城乡建设", 24, 10, True, False),
        ],
    ),
    (
        "compound",
        "小区治理",
        [
            ("lift", "电梯故障", 3, "市场监督", 4, 2, False, False),
            ("property_service", "物业服务投诉", 3, "住房和城乡建设", 24, 5, False, True),
            ("maintenance_fund", "维修资金使用", 3, "住房和城乡建设", 24, 20, True, False),
            ("parking", "停车管理", 3, "", 24, 10, True, True),
            ("compound_sanitation", "小区环境卫生", 3, "", 24, 3, False, False),
            ("compound_greening", "绿化养护", 3, "", 24, 10, False, False),
        ],
    ),
    (
        "municipal",
        "市政设施",
        [
            ("street_light", "路灯不亮", 4, "城市管理", 24, 3, False, False),
            ("manhole", "井盖缺失破损", 4, "城市管理", 2, 1, False, False),
            ("road_damage", "道路破损", 4, "住房和城乡建设", 24, 10, False, False),
            ("drainage", "排水不畅", 4, "城市管理", 8, 5, False, False),
        ],
    ),
    (
        "utilities",
        "水电气暖",
        [
            ("water_outage", "停水", 4, "供水", 2, 1, False, False),
            ("power_outage", "停电", 4, "供电", 2, 1, False, False),
            ("gas", "燃气问题", 4, "燃气", 2, 1, False, False),
            ("heating", "供暖不热", 4, "供热", 8, 3, False, False),
        ],
    ),
    (
        "city_management",
        "城市管理",
        [
            ("illegal_construction", "违章搭建", 4, "城市管理", 24, 10, False, False),
            ("street_vending", "占道经营", 4, "城市管理", 24, 3, False, False),
            ("public_sanitation", "公共区域卫生", 4, "城市管理", 24, 3, False, False),
        ],
    ),
    (
        "safety",
        "安全隐患",
        [
            ("fire_hazard", "消防隐患", 4, "应急管理", 2, 2, False, False),
            ("building_safety", "房屋安全隐患", 4, "住房和城乡建设", 4, 5, False, False),
            ("ebike_charging", "电动车违规充电", 2, "应急管理", 8, 2, False, False),
        ],
    ),
    (
        "livelihood",
        "民生诉求",
        [
            ("wage_arrears", "拖欠工资", 4, "人力资源", 24, 10, False, True),
            ("social_assistance", "救助帮扶", 4, "民政", 24, 10, False, False),
            ("elderly_care", "养老服务", 4, "民政", 24, 10, False, False),
        ],
    ),
]

# The default categories marked private (``Category.private``, migration 0010): every
# dispute (is_dispute above) and these, which tell of one household's circumstances.
PRIVATE_CATEGORY_CODES = frozenset(
    {
        "neighbour",  # 邻里矛盾 (大类)
        "family_dispute",
        "wage_arrears",
        "social_assistance",
        "elderly_care",
    }
)
