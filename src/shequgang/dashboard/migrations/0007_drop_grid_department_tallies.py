"""Drop the per-status grid and department tallies (cases by county, grid/department
and status): the load tables read the open-load roll-ups of 0006, and nothing else read
them, while their triggers cost every case write. Their triggers go first (on
PostgreSQL the TRUNCATE trigger's function no longer empties them), then the tables.
Backwards: the tables, their storage, their triggers and their first count come back."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from shequgang.dashboard.migrations._tallies_then import (
    start_counting,
    stop_counting,
    tallies_named,
)

KEPT = ("state", "week", "month", "month_category", "due_day", "grid_open", "department_open")
DROPPED = ("grid", "department")


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    stop_counting(schema_editor, tallies_named(*DROPPED), tallies_named(*KEPT))


def restore(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    start_counting(schema_editor, tallies_named(*DROPPED), tallies_named(*KEPT, *DROPPED))


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0006_open_load_tallies'),
    ]

    operations = [
        # Reversed, the tables come back first (the DeleteModels), then their triggers.
        migrations.RunPython(drop, restore),
        migrations.DeleteModel(
            name='DepartmentTally',
        ),
        migrations.DeleteModel(
            name='GridTally',
        ),
    ]
