"""Categories change the reference generation (``shequgang.reference_cache``)."""

from typing import Any

from django.db import migrations

from shequgang import reference_cache


def forwards(apps: Any, schema_editor: Any) -> None:
    reference_cache.watch_table(schema_editor, "cases_category")


def backwards(apps: Any, schema_editor: Any) -> None:
    reference_cache.unwatch_table(schema_editor, "cases_category")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_category_private"),
        ("places", "0002_reference_generation"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
