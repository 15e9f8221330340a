from django.db import migrations

TAGS = [
    ("elder_alone", "独居老人", "独自居住的60周岁以上老人"),
    ("elder_empty_nest", "空巢老人", "子女不在身边的老人"),
    ("elder_80", "高龄老人", "80周岁以上"),
    ("disabled", "残疾人", "持残疾人证"),
    ("low_income", "低保户", "享受最低生活保障"),
    ("extreme_poverty", "特困人员", "特困供养"),
    ("dual_working_child", "双职工家庭子女", "父母均在职、假期无人照看的儿童"),
    ("left_behind_child", "留守儿童", ""),
    ("veteran", "退役军人", ""),
    ("party_member", "党员", ""),
    ("new_economy_worker", "新就业群体", "快递员、外卖骑手、网约车司机等"),
    ("floating", "流动人口", "非本地户籍常住"),
    ("key_care", "重点关注人员", ""),
]


def add_tags(apps, schema_editor):
    ResidentTag = apps.get_model("people", "ResidentTag")
    for code, name, description in TAGS:
        ResidentTag.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
