"""Default earning rules and caps for the whole city (admin-editable; a community's own
rule or policy replaces them there)."""

from django.db import migrations

STAFF = ["community_secretary", "community_worker"]
RULES = [
    # code, name, source, unit, points
    ("activity", "参加志愿服务活动", "activity", "event", 10),
    ("volunteer_hour", "志愿服务时长", "activity", "hour", 5),
    ("deliberation", "参加议事协商", "deliberation", "event", 5),
    ("micro_wish", "认领并完成微心愿", "micro_wish", "event", 10),
    ("verified_report", "上报问题经核实", "verified_report", "event", 2),
]


def load(apps, schema_editor):
    EarningRule = apps.get_model("points", "EarningRule")
    Policy = apps.get_model("points", "Policy")
    for code, name, source, unit, points in RULES:
        EarningRule.objects.get_or_create(
            community=None,
            code=code,
            defaults={
                "name": name,
                "source": source,
                "unit": unit,
                "points": points,
                "awarded_by": STAFF,
            },
        )
    if not Policy.objects.filter(community__isnull=True).exists():
        Policy.objects.create(community=None, daily_cap=100, monthly_cap=1000, manual_max=500)


def unload(apps, schema_editor):
    apps.get_model("points", "EarningRule").objects.filter(
        community=None, code__in=[r[0] for r in RULES]
    ).delete()
    apps.get_model("points", "Policy").objects.filter(community__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("points", "0001_ledger_rules_supermarket")]

    operations = [migrations.RunPython(load, unload)]
