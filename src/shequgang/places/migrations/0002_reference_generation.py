"""The reference generation (``shequgang.reference_cache``): its row, and the triggers
that change it on every write to the place tree, its grids and the departments."""

from typing import Any

from django.db import migrations, models

from shequgang import reference_cache

_TABLES = ("places_place", "places_grid", "places_department")


def forwards(apps: Any, schema_editor: Any) -> None:
    reference_cache.install_generation(schema_editor)
    for table in _TABLES:
        reference_cache.watch_table(schema_editor, table)


def backwards(apps: Any, schema_editor: Any) -> None:
    for table in _TABLES:
        reference_cache.unwatch_table(schema_editor, table)
    reference_cache.uninstall_generation(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="ReferenceGeneration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "参考数据版本", "verbose_name_plural": "参考数据版本"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
