"""The groups the notice names and the 2026 program, as data.

Source: 吕梁市退役军人事务局《公告》, 2026年4月30日 (the seed). Later years are added in the
admin ("roll over to next year" copies this one), with no code change."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations

BEIJING = ZoneInfo("Asia/Shanghai")

GROUPS = [
    ("veteran", "退役军人", "持有优待证的退役军人", 10),
    ("martyr_survivor", "烈士遗属", "“三属”之一", 20),
    ("duty_death_survivor", "因公牺牲军人遗属", "“三属”之一", 30),
    ("illness_death_survivor", "病故军人遗属", "“三属”之一", 40),
]

# 吕梁市所辖13个县级行政区 (GB/T 2260).
AREAS = [
    ("141102", "离石区"),
    ("141121", "文水县"),
    ("141122", "交城县"),
    ("141123", "兴县"),
    ("141124", "临县"),
    ("141125", "柳林县"),
    ("141126", "石楼县"),
    ("141127", "岚县"),
    ("141128", "方山县"),
    ("141129", "中阳县"),
    ("141130", "交口县"),
    ("141181", "孝义市"),
    ("141182", "汾阳市"),
]

NOTICE = (
    "吕梁市人民政府将“为吕梁籍持有优待证的60周岁(截止1965年12月31日之前出生的)以上退役军人及"
    "‘三属’(烈士遗属、因公牺牲军人遗属、病故军人遗属)购买意外险与补充医疗保险”项目列入2026年度"
    "吕梁市民生实事项目之一。\n"
    "一、保障对象：吕梁籍持有优待证的60周岁(截止1965年12月31日之前出生的)以上退役军人及“三属”"
    "(烈士遗属、因公牺牲军人遗属、病故军人遗属)。\n"
    "二、保险详情：承保机构为中国太平洋财产保险股份有限公司吕梁中心支公司；保费标准为每人每年60元，"
    "资金由吕梁市财政全额保障，个人无需承担。\n"
    "三、申报安排：申报时间为2026年5月1日至7月31日24时止；采取自愿报名的原则。\n"
    "四、注意事项：请符合条件的优抚对象务必在规定时间内完成申报。逾期未申报者视为自动放弃本年度"
    "参保资格。申报过程中如有疑问，可拨打技术支持电话：17301583620。"
)


def add_2026(apps, schema_editor):
    Group = apps.get_model("veterans", "Group")
    Program = apps.get_model("veterans", "Program")
    ProgramGroup = apps.get_model("veterans", "ProgramGroup")
    ProgramArea = apps.get_model("veterans", "ProgramArea")
    groups = []
    for code, name, description, sort in GROUPS:
        group, _ = Group.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "sort": sort}
        )
        groups.append(group)
    if Program.objects.filter(year=2026).exists():
        return
    program = Program.objects.create(
        year=2026,
        title="2026年度吕梁籍优待证持证人员意外险与补充医疗保险",
        issuer="吕梁市退役军人事务局",
        notice=NOTICE,
        opens_at=dt.datetime(2026, 5, 1, 0, 0, tzinfo=BEIJING),
        # "7月31日24时" is the first instant of 1 August, excluded.
        closes_at=dt.datetime(2026, 8, 1, 0, 0, tzinfo=BEIJING),
        born_on_or_before=dt.date(1965, 12, 31),
        premium=Decimal("60.00"),
        payer="吕梁市财政全额保障，个人无需承担",
        insurer="中国太平洋财产保险股份有限公司吕梁中心支公司",
        support_phone="17301583620",
        registration_rule="吕梁籍（户籍在吕梁市所辖13个县、市、区之一）",
        published=True,
    )
    ProgramGroup.objects.bulk_create(
        ProgramGroup(program=program, group=g, age_limit_applies=True, certificate_required=True)
        for g in groups
    )
    ProgramArea.objects.bulk_create(
        ProgramArea(program=program, code=code, name=name) for code, name in AREAS
    )


def remove_2026(apps, schema_editor):
    Program = apps.get_model("veterans", "Program")
    Application = apps.get_model("veterans", "Application")
    if not Application.objects.filter(program__year=2026).exists():
        Program.objects.filter(year=2026).delete()


class Migration(migrations.Migration):
    dependencies = [("veterans", "0001_initial")]

    operations = [migrations.RunPython(add_2026, remove_2026)]
