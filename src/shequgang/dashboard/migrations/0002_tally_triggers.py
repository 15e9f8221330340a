"""The triggers that keep the tallies in step with cases_case, in the dialect of the
database at hand (SQLite row triggers, PostgreSQL statement triggers with transition
tables; see shequgang.dashboard.triggers), and the first count of the existing cases."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from shequgang.dashboard import triggers
from shequgang.dashboard.migrations._tallies_then import tallies_named

# The tallies of 0001 (later migrations add their own).
TALLIES = tallies_named("state", "grid", "department", "week", "month", "month_category")


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for statement in triggers.create_sql(vendor, TALLIES):
        schema_editor.execute(statement, params=None)
    # Cases that exist before the triggers: count them once (same transaction).
    for tally in TALLIES:
        schema_editor.execute(f"DELETE FROM {tally.table}", params=None)
        schema_editor.execute(triggers.recount_sql(tally, vendor), params=None)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in triggers.drop_sql(schema_editor.connection.vendor, TALLIES):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_tallies"),
        ("cases", "0003_deliberations"),
    ]

    operations = [migrations.RunPython(create, drop)]
