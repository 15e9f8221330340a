from django.db import migrations, models


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Residents who left before the column existed: the last change is the best estimate
    # of when (the status change was the last write for nearly all of them).
    Resident = apps.get_model("people", "Resident")
    Resident.objects.exclude(status="active").filter(left_at__isnull=True).update(
        left_at=models.F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_default_tags"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="left_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="迁出/注销时间"
            ),
        ),
        migrations.AddField(
            model_name="resident",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="匿名化时间"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
