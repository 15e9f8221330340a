"""Words residents use for each default category (by ``Category.code``), beside its name.

Training data for the suggestion only: a category an administrator adds later is learnt
from its name and from the cases raised in it."""

from __future__ import annotations

KEYWORDS: dict[str, tuple[str, ...]] = {
    "neighbour_dispute": ("邻居吵架", "占用公共空间", "邻居矛盾", "堆放杂物在我家门口", "吵架"),
    "noise": ("噪音", "装修声音", "半夜吵", "广场舞音响", "太吵了睡不着", "施工噪声"),
    "pets": ("狗叫", "养狗", "猫", "宠物粪便", "遛狗不拴绳", "狗咬人"),
    "leak_between_floors": ("楼上漏水", "天花板渗水", "卫生间漏到我家", "墙面水渍"),
    "family_dispute": ("家里吵架", "赡养老人", "夫妻矛盾", "子女不管老人", "家暴"),
    "stairwell_light": ("楼道灯不亮", "声控灯坏了", "楼梯间黑", "感应灯"),
    "stairwell_clutter": ("楼道堆放杂物", "楼梯间堆东西", "纸箱", "消防通道堵塞", "旧家具"),
    "building_door": ("单元门坏了", "门禁", "刷卡进不去", "单元门关不上", "对讲机"),
    "roof_leak": ("屋顶漏水", "顶楼渗水", "下雨漏", "屋面防水"),
    "lift": ("电梯坏了", "电梯停运", "困在电梯", "电梯异响", "电梯门"),
    "property_service": ("物业不管", "物业费", "保安", "物业态度差", "物业公司"),
    "maintenance_fund": ("维修基金", "维修资金", "专项维修", "大修费用"),
    "parking": ("停车", "车位", "乱停车", "堵住出口", "僵尸车", "占车位"),
    "compound_sanitation": ("小区垃圾", "垃圾桶满了", "垃圾没人清", "小区卫生", "异味"),
    "compound_greening": ("树枝", "草坪", "修剪树木", "绿化带", "树倒了"),
    "street_light": ("路灯坏了", "路灯不亮", "街上黑", "灯杆"),
    "manhole": ("井盖", "井盖丢了", "下水井", "窨井"),
    "road_damage": ("路面坑洼", "道路坑", "人行道砖松动", "路坏了"),
    "drainage": ("下水道堵", "积水", "排水", "雨水排不出去", "污水外溢"),
    "water_outage": ("停水", "没水", "水压低", "自来水"),
    "power_outage": ("停电", "没电", "跳闸", "电表"),
    "gas": ("燃气", "煤气味", "天然气", "燃气泄漏", "燃气表"),
    "heating": ("暖气不热", "供暖", "暖气片", "家里冷"),
    "illegal_construction": ("违建", "私搭乱建", "加盖", "搭棚子", "封阳台"),
    "street_vending": ("占道经营", "摆摊", "小贩", "流动摊点"),
    "public_sanitation": ("街道垃圾", "路边垃圾", "公共厕所", "马路脏"),
    "fire_hazard": ("消防", "灭火器", "消防栓", "着火", "烟雾"),
    "building_safety": ("墙体裂缝", "房屋开裂", "危房", "外墙脱落", "阳台掉东西"),
    "ebike_charging": ("电动车充电", "飞线充电", "电瓶车进楼", "楼道充电"),
    "wage_arrears": ("拖欠工资", "工资没发", "欠薪", "老板跑了"),
    "social_assistance": ("低保", "困难补助", "救助", "生活困难"),
    "elderly_care": ("养老", "独居老人", "老人没人照顾", "助餐", "居家养老"),
}
