"""Role assignments change the reference generation (``shequgang.reference_cache``)."""

from typing import Any

from django.db import migrations

from shequgang import reference_cache


def forwards(apps: Any, schema_editor: Any) -> None:
    reference_cache.watch_table(schema_editor, "people_roleassignment")


def backwards(apps: Any, schema_editor: Any) -> None:
    reference_cache.unwatch_table(schema_editor, "people_roleassignment")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_resident_left_at"),
        ("places", "0002_reference_generation"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
