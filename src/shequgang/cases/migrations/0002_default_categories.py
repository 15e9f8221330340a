from django.db import migrations

from shequgang.cases.categories import DEFAULT_CATEGORIES


def load(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    CaseRules = apps.get_model("cases", "CaseRules")
    CaseRules.objects.get_or_create(pk=1)
    for i, (code, name, leaves) in enumerate(DEFAULT_CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "start_rung": 4, "sort": i * 100}
        )
        for j, (lcode, lname, rung, dept, ack, days, delib, dispute) in enumerate(leaves):
            Category.objects.get_or_create(
                code=lcode,
                defaults={
                    "parent": parent,
                    "name": lname,
                    "start_rung": rung,
                    "department": dept,
                    "ack_hours": ack,
                    "resolve_days": days,
                    "needs_deliberation": delib,
                    "is_dispute": dispute,
                    "sort": i * 100 + j + 1,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
